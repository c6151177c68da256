// The console's only assets, served from memory by the console itself (no CDN, no build step):
// one stylesheet and one small script that refreshes live regions, follows record streams (SSE)
// and asks before a write.
export const STYLE = `
:root { --fg:#1d2330; --muted:#5d6678; --line:#dde1e8; --bg:#f6f7f9; --card:#fff; --accent:#2456c8;
  --ok:#1f7a3f; --warn:#a15c00; --bad:#b42318; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:var(--bg); }
header { display:flex; gap:1.5rem; align-items:center; padding:.6rem 1.2rem; background:#111827; color:#e5e7eb; }
header a { color:#e5e7eb; text-decoration:none; } header a.on { color:#fff; border-bottom:2px solid #60a5fa; }
header .brand { font-weight:700; color:#fff; } header nav { display:flex; gap:1rem; }
header .meta { margin-left:auto; font-size:12px; color:#9ca3af; }
main { padding:1rem 1.2rem 3rem; max-width:1400px; }
h1 { font-size:20px; margin:.2rem 0 1rem; } h2 { font-size:16px; margin:1.4rem 0 .5rem; }
a { color:var(--accent); }
table { border-collapse:collapse; width:100%; background:var(--card); border:1px solid var(--line); }
th, td { text-align:left; padding:.3rem .55rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef1f6; font-weight:600; font-size:12px; text-transform:uppercase; letter-spacing:.02em; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.cards { display:flex; flex-wrap:wrap; gap:.8rem; margin-bottom:1rem; }
.card { background:var(--card); border:1px solid var(--line); padding:.6rem .9rem; min-width:9rem; }
.card b { display:block; font-size:20px; }
.badge { display:inline-block; padding:0 .4rem; border-radius:3px; font-size:11px; background:#e5e7eb; color:#374151; margin-left:.3rem; }
.badge.catalog { background:#dbeafe; color:#1e40af; } .badge.dlq { background:#fee2e2; color:#991b1b; }
.badge.kafkit { background:#ede9fe; color:#5b21b6; }
.ok { color:var(--ok); } .degraded, .warn { color:var(--warn); } .down, .bad, .unreachable { color:var(--bad); }
.muted { color:var(--muted); } .error { background:#fee2e2; border:1px solid #fca5a5; padding:.5rem .8rem; margin:.5rem 0; }
.notice { background:#fef9c3; border:1px solid #fde047; padding:.5rem .8rem; margin:.5rem 0; }
form.filters { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; margin:.5rem 0 1rem; }
form.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
input, select, button { font:inherit; padding:.25rem .4rem; }
button { background:var(--accent); color:#fff; border:0; padding:.35rem .8rem; cursor:pointer; }
button.danger { background:var(--bad); }
.facets { display:grid; grid-template-columns:repeat(auto-fit, minmax(240px, 1fr)); gap:.8rem; }
.facets ul { list-style:none; margin:0; padding:.4rem .6rem; background:var(--card); border:1px solid var(--line); max-height:220px; overflow:auto; }
.facets li { display:flex; justify-content:space-between; gap:.5rem; }
pre { background:#0f172a; color:#e2e8f0; padding:.7rem; overflow:auto; font-size:12px; max-height:480px; }
.hex { font-family: ui-monospace, Menlo, Consolas, monospace; font-size:12px; white-space:pre; }
.progress { width:100%; max-width:480px; height:14px; background:#e5e7eb; } .progress > div { height:100%; background:var(--accent); }
svg.chart { background:var(--card); border:1px solid var(--line); }
svg.chart text { font-size:10px; fill:var(--muted); }
`

export const SCRIPT = `
(() => {
  // Live regions: re-render the region from the server, in place, every few seconds.
  for (const region of document.querySelectorAll('[data-refresh]')) {
    const every = Number(region.dataset.refresh) || 5000;
    let busy = false;
    setInterval(async () => {
      if (busy || document.hidden) return;
      busy = true;
      try {
        const response = await fetch(location.href, { headers: { 'x-kafkit-fragment': region.id } });
        if (response.ok) { region.innerHTML = await response.text(); region.dataset.updated = String(Date.now()); }
      } catch {} finally { busy = false; }
    }, every);
  }
  // Record streams: rows arrive as server-rendered HTML over SSE, newest on top.
  const stream = document.querySelector('[data-stream]');
  if (stream) {
    const status = document.getElementById('stream-status');
    const source = new EventSource(stream.dataset.stream);
    source.addEventListener('record', (e) => {
      stream.insertAdjacentHTML('afterbegin', e.data);
      while (stream.children.length > 500) stream.lastElementChild.remove();
    });
    source.addEventListener('status', (e) => { if (status) status.textContent = e.data; });
    source.onerror = () => { if (status) status.textContent = 'disconnected; retrying'; };
  }
  // Writes ask first.
  document.addEventListener('submit', (e) => {
    const message = e.target.dataset.confirm;
    if (message && !confirm(message)) e.preventDefault();
  });
})();
`
