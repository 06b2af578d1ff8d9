/**
 * The report's only script: search, filters and sorting over the rows the page already holds. It reads the data-*
 * attributes the renderer writes (see htmlReport.ts) and never builds markup from data, so it cannot inject any.
 * The page's CSP admits exactly this text through its sha256 hash, computed when the page is rendered.
 */
export const REPORT_SCRIPT = `(() => {
  "use strict";
  const table = document.getElementById("resources-table");
  if (!table) return;
  const body = table.tBodies[0];
  const byId = (id) => document.getElementById(id);
  const controls = (table.dataset.controls || "").split(" ");
  const exposures = (table.dataset.exposures || "").split(" ");
  const STATUS = { P: "Pass", F: "Fail", N: "NotApplicable", U: "Unknown", W: "Waived" };
  const SEVERITY = { H: "High", M: "Medium", L: "Low" };
  const PROBLEMS = new Set(["Fail", "Unknown", "Waived"]);
  const text = (element) => (element ? element.textContent : "").toLowerCase();
  const rows = Array.from(body.rows, (element) => {
    const data = element.dataset;
    const rank = exposures.indexOf(data.exp || "");
    return {
      element,
      subscription: data.sub || "",
      exposure: data.exp || "",
      exposureRank: rank < 0 ? exposures.length : rank,
      score: data.score === "" || data.score === undefined ? Infinity : Number(data.score),
      weight: Number(data.w || 0),
      name: text(element.querySelector(".name")),
      subscriptionLabel: text(element.cells[2]),
      search: [text(element.cells[1]), text(element.cells[2]), text(element.querySelector(".rid"))].join(" "),
      findings: (data.f || "").split(" ").filter(Boolean).map((token) => ({
        control: controls[parseInt(token, 10)],
        status: STATUS[token.charAt(token.length - 2)],
        severity: SEVERITY[token.charAt(token.length - 1)],
      })),
      itemsFiltered: false,
    };
  });

  const inputs = {
    search: byId("filter-search"),
    subscription: byId("filter-subscription"),
    severity: byId("filter-severity"),
    control: byId("filter-control"),
    status: byId("filter-status"),
    exposure: byId("filter-exposure"),
    framework: byId("filter-framework"),
  };
  const shown = byId("shown-count");

  function findingFilter() {
    const severity = inputs.severity.value;
    const control = inputs.control.value;
    const status = inputs.status.value;
    const option = inputs.framework.selectedOptions[0];
    const framework = inputs.framework.value && option ? new Set((option.dataset.controls || "").split(" ")) : null;
    if (!severity && !control && !status && !framework) return null;
    // With no status chosen, "High" or "VW-NET-001" means the findings that need attention, not every one.
    return (finding) =>
      (!severity || finding.severity === severity) &&
      (!control || finding.control === control) &&
      (status ? finding.status === status : PROBLEMS.has(finding.status)) &&
      (!framework || framework.has(finding.control));
  }

  function showMatchingItems(row, matches) {
    if (!matches && !row.itemsFiltered) return;
    for (const item of row.element.querySelectorAll("li[data-c]")) {
      const data = item.dataset;
      item.hidden = matches ? !matches({ control: data.c, status: data.s, severity: data.v }) : false;
    }
    row.itemsFiltered = Boolean(matches);
  }

  function applyFilters() {
    const search = inputs.search.value.trim().toLowerCase();
    const subscription = inputs.subscription.value;
    const exposure = inputs.exposure.value;
    const matches = findingFilter();
    let count = 0;
    for (const row of rows) {
      const visible =
        (!subscription || row.subscription === subscription) &&
        (!exposure || row.exposure === exposure) &&
        (!search || row.search.includes(search)) &&
        (!matches || row.findings.some(matches));
      row.element.hidden = !visible;
      if (visible) {
        count += 1;
        showMatchingItems(row, matches);
      }
    }
    shown.textContent = count.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") + " resources";
  }

  const order = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const SORTS = {
    score: (a, b) => order(a.score, b.score) || order(b.weight, a.weight),
    name: (a, b) => order(a.name, b.name),
    subscription: (a, b) => order(a.subscriptionLabel, b.subscriptionLabel),
    exposure: (a, b) => order(a.exposureRank, b.exposureRank),
    failures: (a, b) => order(a.weight, b.weight),
  };
  // The direction a first click sorts in: the worst resources first, names from A.
  const FIRST_DIRECTION = { score: 1, name: 1, subscription: 1, exposure: 1, failures: -1 };
  let current = { key: "score", direction: 1 };

  function sortBy(key, direction) {
    const compare = SORTS[key];
    // Resources with no score stay last whichever way scores are sorted: "–" is neither good nor bad.
    const unscoredLast = (a, b) => (key === "score" ? order(a.score === Infinity, b.score === Infinity) : 0);
    const sorted = rows.slice().sort((a, b) => unscoredLast(a, b) || direction * compare(a, b) || order(a.name, b.name));
    const fragment = document.createDocumentFragment();
    for (const row of sorted) fragment.appendChild(row.element);
    body.appendChild(fragment);
    current = { key, direction };
    for (const button of table.querySelectorAll("th button[data-sort]")) {
      const header = button.closest("th");
      if (button.dataset.sort === key) header.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
      else header.removeAttribute("aria-sort");
    }
  }

  for (const button of table.querySelectorAll("th button[data-sort]")) {
    button.addEventListener("click", () => {
      const key = button.dataset.sort;
      sortBy(key, current.key === key ? -current.direction : FIRST_DIRECTION[key]);
    });
  }
  for (const input of Object.values(inputs)) input.addEventListener("input", applyFilters);
  byId("filter-reset").addEventListener("click", () => {
    for (const input of Object.values(inputs)) input.value = "";
    applyFilters();
  });
  byId("filters").hidden = false;
  sortBy("score", 1);
  applyFilters();
})();`;

