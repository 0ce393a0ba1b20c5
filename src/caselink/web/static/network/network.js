// The interactive network view. Data come from the page's JSON endpoint (the CSP forbids
// inline scripts); Cytoscape.js is served from /static/vendor (copied from npm by `make assets`).
(function () {
  'use strict'
  var container = document.getElementById('network-graph')
  if (!container || typeof window.cytoscape !== 'function') return
  var from = document.getElementById('network-from')
  var to = document.getElementById('network-to')
  var selected = document.getElementById('network-selected')
  var timeline = document.getElementById('network-timeline')

  function inRange (day) {
    if (!day) return true
    if (from.value && day < from.value) return false
    if (to.value && day > to.value) return false
    return true
  }

  fetch(container.getAttribute('data-graph-url'), { credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) throw new Error('The network could not be loaded (' + response.status + ')')
      return response.json()
    })
    .then(function (data) {
      var cy = window.cytoscape({
        container: container,
        elements: data.elements,
        layout: { name: 'cose', animate: false, randomize: false, nodeRepulsion: 8000 },
        style: [
          { selector: 'node', style: { 'background-color': 'data(colour)', 'border-color': 'data(outline)', 'border-width': 3, label: 'data(label)', 'font-size': 9, width: 18, height: 18 } },
          { selector: 'node[kind = "case"]', style: { shape: 'round-rectangle', width: 28, height: 20 } },
          { selector: 'node[?context]', style: { 'border-style': 'dashed', opacity: 0.6 } },
          { selector: 'edge', style: { width: 1.5, 'line-color': '#b1b4b6', 'curve-style': 'bezier', label: 'data(kind)', 'font-size': 7, color: '#505a5f' } },
          { selector: '.caselink-hidden', style: { display: 'none' } },
          { selector: ':selected', style: { 'border-color': '#ffdd00', 'line-color': '#ffdd00', 'border-width': 5 } }
        ]
      })

      function filter () {
        cy.batch(function () {
          cy.edges().forEach(function (e) { e.toggleClass('caselink-hidden', !inRange(e.data('on'))) })
          cy.nodes().forEach(function (n) {
            var visible = n.connectedEdges().filter(function (e) { return !e.hasClass('caselink-hidden') })
            var hide = n.data('kind') === 'case' ? !inRange(n.data('on')) : visible.length === 0
            n.toggleClass('caselink-hidden', hide)
          })
        })
        Array.prototype.forEach.call(timeline.querySelectorAll('li'), function (li) {
          li.classList.toggle('caselink-out-of-range', !inRange(li.getAttribute('data-date')))
        })
      }
      from.addEventListener('change', filter)
      to.addEventListener('change', filter)

      cy.on('tap', 'node', function (event) {
        var d = event.target.data()
        selected.textContent = d.kind + ': ' + d.label + (d.force ? ' (force ' + d.force + ')' : '') +
          (d.on ? ', opened ' + d.on : '') + '; degree ' + d.degree + ', betweenness ' + d.betweenness +
          (d.context ? '; a common place, not evidence' : '')
      })
      cy.on('tap', 'edge', function (event) {
        var d = event.target.data()
        selected.textContent = d.kind.replace('_', ' ') + ' in case ' + d.case + (d.on ? ' on ' + d.on : '') +
          '; source: ' + d.evidence
      })
      filter()
    })
    .catch(function (error) { selected.textContent = error.message })
})()
