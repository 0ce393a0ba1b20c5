// Marks the page as JavaScript-enabled the way the GOV.UK template's inline script does;
// kept in a file so the Content-Security-Policy can forbid inline scripts.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
