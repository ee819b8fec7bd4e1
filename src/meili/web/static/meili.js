// Optional: the large-text / high-contrast switch (适老化). Pages work without this script.
(function () {
  var root = document.documentElement, key = "meili-contrast";
  try { if (localStorage.getItem(key) === "1") root.classList.add("contrast"); } catch (e) {}
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("contrast-toggle");
    if (!button) return;
    button.hidden = false;
    button.setAttribute("aria-pressed", root.classList.contains("contrast") ? "true" : "false");
    button.addEventListener("click", function () {
      var on = root.classList.toggle("contrast");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      try { localStorage.setItem(key, on ? "1" : "0"); } catch (e) {}
    });
  });
})();
