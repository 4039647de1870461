// Small enhancements only; every page works without this file.
document.addEventListener("click", function (e) {
  var t = e.target;
  if (t.matches("[data-print]")) { window.print(); }
  if (t.matches("[data-confirm]") && !window.confirm(t.getAttribute("data-confirm"))) { e.preventDefault(); }
});
const refresh = document.querySelector("[data-refresh]");
if (refresh) { setTimeout(function () { location.reload(); }, 1000 * Number(refresh.getAttribute("data-refresh"))); }
// SMS length and parts as the phone network counts them: GSM-7 text is 160 characters in one
// part and 153 per part beyond (^{}[]~|\€ take two), anything else (Cyrillic) is UCS-2 with
// 70 and 67, counted in UTF-16 units.
var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
var GSM_EXT = "^{}\\[~]|€\f";
function smsCount(text) {
  var gsm = 0;
  for (var ch of text) {
    if (GSM.indexOf(ch) >= 0) { gsm += 1; }
    else if (GSM_EXT.indexOf(ch) >= 0) { gsm += 2; }
    else { gsm = -1; break; }
  }
  var unicode = gsm < 0;
  var n = unicode ? text.length : gsm;
  var one = unicode ? 70 : 160, part = unicode ? 67 : 153;
  return { chars: n, unicode: unicode, parts: n === 0 ? 0 : (n <= one ? 1 : Math.ceil(n / part)) };
}
document.querySelectorAll("[data-sms-count]").forEach(function (out) {
  var area = document.querySelector(out.getAttribute("data-sms-count"));
  if (!area) { return; }
  var show = function () {
    var c = smsCount(area.value);
    // The server fills the catalog's placeholders with %c (characters) and %p (parts).
    out.textContent = out.getAttribute(c.unicode ? "data-ucs2" : "data-gsm").replace("%c", c.chars).replace("%p", c.parts);
    out.setAttribute("data-parts", c.parts);
  };
  area.addEventListener("input", show);
  show();
});
