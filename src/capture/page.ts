/** The preview page: the MJPEG stream in an <img>, figures pushed by server-sent events. No external assets. */
import { escapeXml } from '../draw/svg';

export function previewPage(title: string, info: Record<string, string>): string {
  const rows = Object.entries(info)
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;background:#111;color:#ddd;font:14px/1.4 system-ui,sans-serif;display:flex;flex-wrap:wrap;gap:16px;padding:16px}
#view{background:#000;max-width:100%;min-width:320px;min-height:240px}
#view img{display:block;max-width:100%}
table{border-collapse:collapse}th{text-align:left;font-weight:normal;color:#999;padding:2px 12px 2px 0}
td{font-variant-numeric:tabular-nums;color:#fff}
h1{font-size:16px;margin:0 0 8px}
#status{margin-top:8px;color:#9c9}#status.error{color:#f77}
</style></head>
<body>
<div id="view"><img id="video" alt="live frames with landmarks" src="stream.mjpg"></div>
<div>
<h1>${escapeXml(title)}</h1>
<table id="figures">
<tr><th>capture fps</th><td id="captureFps">-</td></tr>
<tr><th>processed fps</th><td id="processedFps">-</td></tr>
<tr><th>latency (ms)</th><td id="latencyMs">-</td></tr>
<tr><th>inference (ms)</th><td id="inferenceMs">-</td></tr>
<tr><th>dropped</th><td id="dropped">-</td></tr>
<tr><th>frame</th><td id="index">-</td></tr>
<tr><th>size</th><td id="size">-</td></tr>
<tr><th>face</th><td id="face">-</td></tr>
${rows}
</table>
<div id="status">connecting</div>
</div>
<script>
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var fixed = function (v, d) { return typeof v === 'number' ? v.toFixed(d) : '-'; };
  var img = $('video');
  // Browsers without MJPEG in <img> fall back to polling single frames.
  img.addEventListener('error', function poll() {
    img.removeEventListener('error', poll);
    setInterval(function () { img.src = 'frame.jpg?t=' + Date.now(); }, 100);
  });
  var es = new EventSource('events');
  es.addEventListener('frame', function (e) {
    var f = JSON.parse(e.data);
    $('captureFps').textContent = fixed(f.captureFps, 1);
    $('processedFps').textContent = fixed(f.processedFps, 1);
    $('latencyMs').textContent = fixed(f.latencyMs, 1);
    $('inferenceMs').textContent = fixed(f.inferenceMs, 1);
    $('dropped').textContent = String(f.dropped);
    $('index').textContent = String(f.index);
    $('size').textContent = f.width + 'x' + f.height;
    $('face').textContent = f.faceIds ? (f.faceIds.length ? f.faceIds.length + ' tracked (ids ' + f.faceIds.join(', ') + ')' : 'no face') : f.lost ? 'lost (' + f.lost + ')' : f.tracked ? 'tracked' : 'searching';
    $('status').textContent = 'live';
  });
  es.addEventListener('end', function (e) {
    var m = JSON.parse(e.data);
    $('status').textContent = m.error ? 'stopped: ' + m.error : 'stream ended';
    if (m.error) $('status').className = 'error';
    es.close();
  });
})();
</script>
</body></html>
`;
}
