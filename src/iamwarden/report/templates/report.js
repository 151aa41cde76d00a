"use strict";
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("#finding-list > .finding"));
  var severity = document.getElementById("filter-severity");
  var status = document.getElementById("filter-status");
  var check = document.getElementById("filter-check");
  var text = document.getElementById("filter-text");
  var shown = document.getElementById("shown-count");
  var counters = document.querySelectorAll("#shown-by-severity [data-count]");

  function apply() {
    var needle = text.value.trim().toLowerCase();
    var count = 0;
    var bySeverity = {};
    rows.forEach(function (row) {
      var visible =
        (!severity.value || row.dataset.severity === severity.value) &&
        (!status.value || row.dataset.status === status.value) &&
        (!check.value || row.dataset.check === check.value) &&
        (!needle || row.dataset.text.indexOf(needle) !== -1);
      row.hidden = !visible;
      if (visible) {
        count += 1;
        bySeverity[row.dataset.severity] = (bySeverity[row.dataset.severity] || 0) + 1;
      }
    });
    shown.textContent = String(count);
    counters.forEach(function (counter) {
      counter.textContent = String(bySeverity[counter.dataset.count] || 0);
    });
  }

  [severity, status, check].forEach(function (select) {
    select.addEventListener("change", apply);
  });
  text.addEventListener("input", apply);
  document.getElementById("filters").addEventListener("submit", function (event) {
    event.preventDefault();
  });
  document.querySelectorAll("button.card[data-severity]").forEach(function (card) {
    card.addEventListener("click", function () {
      severity.value = card.dataset.severity;
      status.value = "FAIL";
      apply();
    });
  });
  apply();
})();
