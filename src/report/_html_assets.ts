/**
 * The HTML report's inline assets: its stylesheet, the script that records errors for a
 * headless browser test, and the tooltip script over the time charts. Private to report/.
 */

/** Records script errors in `<html data-errors>`, so a headless browser test can read them. */
export const ERROR_RECORDER = `(function(){var r=document.documentElement;function add(m){` +
  `r.setAttribute("data-errors",(r.getAttribute("data-errors")?r.getAttribute("data-errors")+" | ":"")+m)}` +
  `window.addEventListener("error",function(e){add(String(e.message||e))});` +
  `window.addEventListener("unhandledrejection",function(e){add(String(e.reason))})})();`;

/** Reads the embedded data and shows a point's values under the pointer on the time charts. */
export const TOOLTIP = `(function(){
var data=JSON.parse(document.getElementById("report-data").textContent);
var points=data.timeline.points,tip=document.getElementById("tooltip");
function ms(v){return v===undefined?"-":(v<1000?v+" ms":(v/1000).toFixed(2)+" s")}
function text(p){var s=data.timeline.bucketMs/1000,l=p.latency;
var st=Object.keys(p.statuses).map(function(k){return k+"\\u00d7"+p.statuses[k]}).join(" ");
return "+"+(p.t/1000)+" s ("+s+" s)\\nsessions "+p.sessions+"\\nspans "+p.generated+" generated, "+
p.acknowledged+" acknowledged, "+p.failed+" failed\\nrequests "+p.requests+" ("+p.retried+
" retried) "+st+"\\nlatency p50 "+ms(l&&l.p50)+" · p95 "+ms(l&&l.p95)+" · p99 "+ms(l&&l.p99)}
document.querySelectorAll("svg[data-timeline]").forEach(function(svg){
svg.addEventListener("mousemove",function(e){var b=svg.getBoundingClientRect(),
k=640/b.width,x=(e.clientX-b.left)*k-Number(svg.dataset.left),n=points.length;
if(n===0)return;var i=Math.round(x/Number(svg.dataset.width)*(n-1));
i=Math.max(0,Math.min(n-1,i));tip.textContent=text(points[i]);tip.hidden=false;
tip.style.left=(e.pageX+12)+"px";tip.style.top=(e.pageY+12)+"px"});
svg.addEventListener("mouseleave",function(){tip.hidden=true})});
document.documentElement.setAttribute("data-ready",String(document.querySelectorAll("svg[data-chart]").length));
})();`;

/** The page's stylesheet: system fonts only, nothing fetched. */
export const CSS = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f4f6fa}
body{margin:0}header{background:#1d2330;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:20px}header p{margin:2px 0;color:#c9d1e0;font-size:13px}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;vertical-align:middle}
.badge.ok{background:#1aa36f}.badge.bad{background:#e0523f}
.problems{margin:8px 0 0;padding-left:18px;color:#ffb4a8;font-size:13px}
main{padding:8px 28px 28px}h2{font-size:16px;margin:22px 0 10px}
.note{font-size:12px;color:#5b6475;margin:-4px 0 8px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tile b{display:block;font-size:20px}.tile span{font-size:12px;color:#5b6475}.tile.bad b{color:#e0523f}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
figure.chart{margin:0;background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
figcaption{font-size:13px;font-weight:600;margin-bottom:4px}figcaption small{display:block;font-weight:400;color:#5b6475}
svg{width:100%;height:auto;display:block}
.grid line.grid{stroke:#e6e9ef}line.grid{stroke:#e6e9ef}line.axis{stroke:#9aa3b2}
text.tick,text.label,text.value{font-size:10px;fill:#5b6475}text.label{fill:#1d2330}
text.empty{font-size:12px;fill:#9aa3b2}
.legend{font-size:12px;color:#5b6475;margin-top:4px}.key{margin-right:12px;white-space:nowrap}
.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
#tooltip{position:absolute;white-space:pre;background:#1d2330;color:#fff;font-size:12px;padding:6px 8px;border-radius:6px;pointer-events:none}
`;
