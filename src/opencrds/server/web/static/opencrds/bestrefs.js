/* Best references form: small enhancements; the form works without this file. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("bestrefs_form");
    if (!form) return;
    var file = document.getElementById("dataset_file");
    var ids = document.getElementById("dataset_ids");
    var upload = document.getElementById("dataset_mode_upload");
    var byIds = document.getElementById("dataset_mode_ids");
    /* Choosing a file or typing ids selects the matching dataset mode. */
    if (file && upload) file.addEventListener("change", function () { upload.checked = true; });
    if (ids && byIds) ids.addEventListener("input", function () { byIds.checked = true; });
    /* The second context's picker is only relevant when comparing. */
    var compare = document.getElementById("compare");
    var second = document.getElementById("compare_picker");
    function showSecond() { if (compare && second) second.hidden = !compare.checked; }
    if (compare) { compare.addEventListener("change", showSecond); showSecond(); }
  });
})();
