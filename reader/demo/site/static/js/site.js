/* Steppe Dispatch site script: cookie banner, lazy images, share buttons. */
(function () {
  document.querySelectorAll('[data-cookie-accept], .consent__ok').forEach(function (b) {
    b.addEventListener('click', function () { b.closest('.cookie-banner, .consent').remove(); });
  });
  document.querySelectorAll('img.lazyload[data-src]').forEach(function (img) { img.src = img.dataset.src; });
  document.querySelectorAll('[data-copy]').forEach(function (b) {
    b.addEventListener('click', function () { navigator.clipboard.writeText(b.dataset.copy); });
  });
})();
