// Copy buttons: each <button data-copy="ID"> copies the text of the element with that id. Without
// JavaScript the buttons stay hidden and the text can be selected as usual.
(function () {
  "use strict";
  function announce(button, text) {
    var status = button.parentNode.querySelector(".app-copy-status");
    if (status) { status.textContent = text; }
  }
  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.querySelectorAll(".app-js-only").forEach(function (element) { element.hidden = false; });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      var text = source.textContent.trim();
      var done = function () { announce(button, button.getAttribute("data-copied")); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
      } else {
        selectText(source);
        try { if (document.execCommand("copy")) { done(); } } catch (error) { /* selected: copy by hand */ }
      }
    });
  });
})();
