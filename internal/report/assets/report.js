// Sorting and filtering of the findings table. Reads only data-* attributes and text that the
// server already escaped; never writes HTML (textContent only), so nothing from the scanned
// repository can become markup or script here.
(function () {
  "use strict";
  var table = document.getElementById("findings");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var count = document.getElementById("shown-count");
  var search = document.getElementById("filter-text");
  var kindSel = document.getElementById("filter-kind");
  var statusSel = document.getElementById("filter-status");
  var sevButtons = Array.prototype.slice.call(document.querySelectorAll("button[data-sev]"));

  // Each finding row is followed by its detail row; they move and hide together.
  function pairs() {
    var out = [];
    var rows = tbody.rows;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].classList.contains("finding")) {
        out.push({ row: rows[i], detail: rows[i + 1] && rows[i + 1].classList.contains("detail") ? rows[i + 1] : null });
      }
    }
    return out;
  }

  function apply() {
    var sevOn = {};
    sevButtons.forEach(function (b) { sevOn[b.getAttribute("data-sev")] = b.getAttribute("aria-pressed") === "true"; });
    var q = (search.value || "").toLowerCase();
    var kind = kindSel.value, status = statusSel.value;
    var shown = 0, all = pairs();
    all.forEach(function (p) {
      var r = p.row;
      var ok = sevOn[r.getAttribute("data-sev")] !== false &&
        (kind === "" || r.getAttribute("data-kind") === kind) &&
        (status === "" || r.getAttribute("data-status") === status) &&
        (q === "" || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (p.detail && !ok) { p.detail.hidden = true; r.setAttribute("aria-expanded", "false"); }
      if (ok) { shown++; }
    });
    count.textContent = shown + " of " + all.length + " findings shown";
  }

  sevButtons.forEach(function (b) {
    b.addEventListener("click", function () {
      b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
      apply();
    });
  });
  search.addEventListener("input", apply);
  kindSel.addEventListener("change", apply);
  statusSel.addEventListener("change", apply);

  tbody.addEventListener("click", function (e) {
    var row = e.target.closest("tr.finding");
    if (!row) { return; }
    var d = row.nextElementSibling;
    if (d && d.classList.contains("detail")) {
      d.hidden = !d.hidden;
      row.setAttribute("aria-expanded", d.hidden ? "false" : "true");
    }
  });
  tbody.addEventListener("keydown", function (e) {
    if ((e.key === "Enter" || e.key === " ") && e.target.classList.contains("finding")) { e.preventDefault(); e.target.click(); }
  });

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var key = th.getAttribute("data-key");
    if (!key) { return; }
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var ps = pairs();
      ps.sort(function (a, b) {
        var x = a.row.getAttribute("data-" + key) || "", y = b.row.getAttribute("data-" + key) || "";
        var nx = parseFloat(x), ny = parseFloat(y), c;
        if (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y) { c = nx - ny; } else { c = x < y ? -1 : x > y ? 1 : 0; }
        return asc ? c : -c;
      });
      ps.forEach(function (p) { tbody.appendChild(p.row); if (p.detail) { tbody.appendChild(p.detail); } });
    });
  });
  apply();
})();
