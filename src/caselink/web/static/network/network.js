// The interactive network view, drawn as an analyst's link chart. Data come from the page's
// JSON endpoint (the CSP forbids inline scripts); Cytoscape.js is served from /static/vendor
// (copied from npm by `make assets`). Shapes and colours by kind and role come with the data
// (caselink.network.view.LOOKS), so the page's legend and the drawing cannot disagree.
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

  // What was selected, in words, with a link to open it where the viewer may.
  function show (text, href, linkText) {
    selected.textContent = text
    if (href) {
      var link = document.createElement('a')
      link.className = 'govuk-link'
      link.href = href
      link.textContent = linkText
      selected.appendChild(document.createTextNode(' '))
      selected.appendChild(link)
    }
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
        // Labels are part of each node's size in the layout, so they do not fall on each other.
        layout: { name: 'cose', animate: false, randomize: false, nodeDimensionsIncludeLabels: true, nodeRepulsion: 20000, idealEdgeLength: 90, padding: 30 },
        minZoom: 0.3,
        maxZoom: 3,
        style: [
          { selector: 'node', style: { shape: 'data(shape)', 'background-color': 'data(colour)', 'border-color': 'data(outline)', 'border-width': 3, label: 'data(label)', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4, 'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 2, 'text-wrap': 'ellipsis', 'text-max-width': 140, width: 22, height: 22 } },
          { selector: 'node[kind = "case"]', style: { width: 34, height: 22, 'font-weight': 'bold' } },
          { selector: 'node[?context]', style: { 'border-style': 'dashed', opacity: 0.6 } },
          { selector: 'node[href]', style: { cursor: 'pointer' } },
          { selector: 'edge', style: { width: 1.5, 'line-color': '#b1b4b6', 'curve-style': 'bezier', label: 'data(words)', 'font-size': 9, color: '#505a5f', 'text-rotation': 'autorotate', 'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 1 } },
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
        show(d.what + ': ' + d.label + (d.force ? ', ' + d.force : '') +
          (d.when ? ', opened ' + d.when : '') + '. Connected to ' + d.degree + ' things in this network' +
          (d.context ? '; a common place, not evidence.' : '.'),
        d.href, d.kind === 'case' ? 'Open the case' : (d.kind === 'person' ? 'Open the record' : 'Open the case it is recorded in'))
      })
      cy.on('tap', 'edge', function (event) {
        var d = event.target.data()
        var source = cy.getElementById(d.source).data('label')
        var target = cy.getElementById(d.target).data('label')
        show(source + ' ' + d.words + ' ' + target + (d.when ? ', ' + d.when : '') + '. Source: ' + d.evidence + '.')
      })
      filter()
    })
    .catch(function (error) { show(error.message) })
})()
