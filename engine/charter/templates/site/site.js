// Filter and sort the tables of this page. Without JavaScript every row is shown, in the
// order the build wrote them: nothing here is needed to read the page.
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell ? (cell.getAttribute("data-value") || cell.textContent).trim().toLowerCase() : "";
  }
  function makeSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }
  function applyFilters(form, table, shown) {
    var text = form.elements.q.value.trim().toLowerCase();
    var tier = form.elements.tier.value;
    var verdict = form.elements.verdict.value;
    var count = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var visible = (!text || row.textContent.toLowerCase().indexOf(text) !== -1) &&
        (!tier || row.getAttribute("data-tier") === tier) &&
        (!verdict || row.getAttribute("data-verdict") === verdict);
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + table.tBodies[0].rows.length + " models shown";
  }
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  var form = document.getElementById("filters");
  var table = document.getElementById("models");
  if (form && table) {
    var shown = document.getElementById("shown");
    form.hidden = false;
    var update = function () { applyFilters(form, table, shown); };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    applyFilters(form, table, shown);
  }
}());
