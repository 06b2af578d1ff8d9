/**
 * The report's stylesheet. Laid out for 1,280–1,400 px screens without horizontal scrolling: fixed table layouts,
 * dates and control ids that never wrap, long names and ids that wrap anywhere, and commands that scroll inside
 * their own box rather than break mid-token. The page's CSP admits it by its hash, so no style attribute is used.
 */
export const REPORT_STYLE = `
*,*::before,*::after{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2937;background:#fff}
main{max-width:1340px;margin:0 auto;padding:1.25rem 1.25rem 3rem}
h1{margin:0 0 .25rem;font-size:1.6rem}
h2{margin:2rem 0 .75rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem;font-size:1.2rem}
h3{margin:0 0 .3rem;font-size:.95rem}
p{margin:.2rem 0}
.muted{color:#6b7280;font-size:.85em}
.big{font-size:2rem;font-weight:700;margin:.1rem 0}
.cards{display:flex;gap:.8rem;flex-wrap:wrap}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:.7rem 1rem;min-width:10rem;flex:1 1 10rem}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.88rem}
th,td{text-align:left;padding:.35rem .45rem;border-bottom:1px solid #f0f1f3;vertical-align:top;overflow-wrap:anywhere}
th{background:#f9fafb;font-weight:600}
th button{white-space:nowrap;font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:#1d4ed8;text-align:left}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
.nowrap,code,time{white-space:nowrap;overflow-wrap:normal}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
.num{font-variant-numeric:tabular-nums}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8rem}
.sev{display:inline-block;border-radius:4px;padding:0 .35rem;color:#fff;font-size:.75rem;white-space:nowrap}
.sev-high{background:#c62828}.sev-medium{background:#b45309}.sev-low{background:#fde68a;color:#1f2937}
.status{display:inline-block;border-radius:4px;padding:0 .35rem;font-size:.75rem;border:1px solid #d1d5db;white-space:nowrap}
.status-fail{border-color:#c62828;color:#b91c1c}.status-unknown{border-color:#6b7280}.status-waived{border-color:#1d4ed8;color:#1d4ed8}
.expired{display:inline-block;border-radius:4px;padding:0 .35rem;font-size:.75rem;background:#7f1d1d;color:#fff;white-space:nowrap}
.clock{background:#fff7ed;border:1px solid #fed7aa;border-radius:6px;padding:.3rem .6rem;display:inline-block;margin-top:.3rem}
.chart td{border:0;padding:.15rem .45rem;vertical-align:middle}
.chart .label{width:48%}
.chart .count{width:4.5rem;text-align:right}
.bar{display:block;width:100%;height:14px}
.bar .high{fill:#c62828}.bar .medium{fill:#b45309}.bar .low{fill:#eab308}.bar .exposure{fill:#1d4ed8}
.filters{display:flex;flex-wrap:wrap;gap:.5rem .8rem;align-items:end;margin:.5rem 0 .8rem;padding:.6rem .8rem;background:#f9fafb;border:1px solid #e5e7eb;border-radius:8px}
.filters label{display:flex;flex-direction:column;font-size:.8rem;color:#374151;gap:.15rem}
.filters input,.filters select{font:inherit;font-size:.85rem;padding:.2rem .3rem;max-width:16rem}
.filters input{width:16rem}
.filters output{font-weight:600;margin-left:auto}
.filters .hint{flex-basis:100%;margin:0}
.resources .c-score{width:5.5rem}.resources .c-resource{width:19%}.resources .c-subscription{width:12%}.resources .c-exposure{width:14%}
.name{font-weight:600}
details>summary{cursor:pointer}
ul.findings{list-style:none;margin:.4rem 0 0;padding:0}
ul.findings>li{border-left:3px solid #e5e7eb;padding:.25rem 0 .35rem .6rem;margin:.3rem 0}
ul.findings>li[data-s=Fail]{border-left-color:#c62828}ul.findings>li[data-s=Waived]{border-left-color:#1d4ed8}ul.findings>li[data-s=Unknown]{border-left-color:#6b7280}
.wrong{font-weight:600}
.expected{color:#374151}
.fix{margin-top:.25rem}
pre.cmd{margin:.2rem 0;padding:.35rem .5rem;background:#f3f4f6;border-radius:4px;white-space:pre;overflow-x:auto;max-width:100%;font-size:.78rem}
pre.cmd code{display:block;white-space:pre;font-size:inherit;user-select:all}
.transitions .c-time{width:12.5rem}.transitions .c-resource{width:15%}.transitions .c-control{width:6.5rem}.transitions .c-status{width:13%}.transitions .c-exposure{width:17%}
.waivers .c-until{width:7.5rem}.waivers .c-status{width:7rem}.waivers .c-control{width:30%}
footer{margin-top:2rem;color:#6b7280;font-size:.8rem}
`;
