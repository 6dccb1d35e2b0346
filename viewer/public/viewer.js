/* global document */
// Progressive enhancement only: the record is complete without this script.
document.body.classList.add('js-enabled');
