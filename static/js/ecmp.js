// ECMP's own behaviour, on top of htmx and Bootstrap. Everything here is an
// improvement: each page also works without JavaScript.
(function () {
  "use strict";

  // Drop zones: a <label class="drop-zone"> for a file input. Clicking already
  // opens the file picker (it is a label); dropping adds the files to the input.
  function listFiles(input) {
    var list = document.getElementById(input.id + "-chosen");
    if (!list) return;
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name;
      list.appendChild(item);
    });
  }

  function setUpDropZones(root) {
    root.querySelectorAll("label.drop-zone").forEach(function (zone) {
      if (zone.dataset.ready) return;
      zone.dataset.ready = "1";
      var input = document.getElementById(zone.htmlFor);
      if (!input) return;
      input.addEventListener("change", function () { listFiles(input); });
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("drop-zone-over");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("drop-zone-over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        var merged = new DataTransfer();
        Array.prototype.forEach.call(input.files, function (f) { merged.items.add(f); });
        Array.prototype.forEach.call(event.dataTransfer.files, function (f) { merged.items.add(f); });
        input.files = merged.files;
        listFiles(input);
      });
    });
  }

  // A <select data-submit-on-change> sends its form when a choice is made (the
  // language switch); without JavaScript its form has a button instead.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-submit-on-change]") && field.form) {
      field.form.submit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { setUpDropZones(document); });
  document.addEventListener("htmx:load", function (event) { setUpDropZones(event.target); });
})();
