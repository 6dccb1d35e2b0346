/* global document, window */
// Progressive enhancement only: the record is complete without this script.
document.body.classList.add('js-enabled');
const print = document.getElementById('print-record');
if (print) {
  print.hidden = false;
  print.addEventListener('click', () => window.print());
}
