// Small enhancements only; every page works without this file.
document.addEventListener("click", function (e) {
  var t = e.target;
  if (t.matches("[data-print]")) { window.print(); }
  if (t.matches("[data-confirm]") && !window.confirm(t.getAttribute("data-confirm"))) { e.preventDefault(); }
});
const refresh = document.querySelector("[data-refresh]");
if (refresh) { setTimeout(function () { location.reload(); }, 1000 * Number(refresh.getAttribute("data-refresh"))); }
