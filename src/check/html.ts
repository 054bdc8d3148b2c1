/**
 * A self-contained HTML page (inline CSS, JS and SVG; nothing fetched) that
 * draws a checked history: one row per process, each operation a bar from
 * invoke to completion, the linearization found (or the longest partial
 * one) as numbered points joined by a line, and the operation that could not
 * be placed in red. One partition is shown at a time, chosen from a list.
 * Pure: returns the page as a string; the CLI writes it.
 */
import type { CheckResult } from './checker.js';
import { describeOperation, formatValue } from './describe.js';
import type { Model, ModelInput } from './model.js';
import { UNKNOWN } from './model.js';
import type { Operation } from './operations.js';
import { valueKey } from './value-key.js';
import type { ValueKey } from './value-key.js';

export interface HtmlOptions {
  /** Page title (default: "Faultline check: <model>"). */
  title?: string;
  /** Most operations drawn per partition, a window around the failure (default 2,000). */
  maxOpsPerPartition?: number;
  /** Most partitions embedded, failing and unknown ones first (default 200). */
  maxPartitions?: number;
}

interface DrawnOp {
  id: number;
  p: string;
  label: string;
  detail: string;
  status: Operation['status'];
  call: number;
  ret: number | null;
}

interface DrawnPartition {
  key: string;
  result: string;
  total: number;
  shownFrom: number;
  ops: DrawnOp[];
  /** Linearization (or longest partial one): op ids in order. */
  order: number[];
  complete: boolean;
  /** Model state after each op of `order`, described. */
  states: string[];
  failed: number | null;
  failureStates: string[];
  message: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function inputOf(op: Operation): ModelInput {
  const input: ModelInput = { f: op.f, value: op.value, process: op.process };
  if (op.key !== undefined) input.key = op.key;
  return input;
}

/** Replay `order` through the model: the state after each op, described. */
function replay<S>(model: Model<S>, order: readonly Operation[]): string[] {
  const states: string[] = [];
  let state = model.init();
  for (const op of order) {
    const step = model.step(state, inputOf(op), op.status === 'ok' ? op.output : UNKNOWN);
    if (!step.ok) break;
    state = step.state;
    states.push(model.describeState(state));
  }
  return states;
}

function shortLabel(op: Operation): string {
  const input = op.value === null || op.value === undefined ? '' : ` ${formatValue(op.value)}`;
  const hasInput = op.value !== null && op.value !== undefined;
  const output = op.status === 'ok' && (!hasInput || formatValue(op.output) !== formatValue(op.value)) ? ` → ${formatValue(op.output)}` : '';
  return `${op.f}${input}${output}`;
}

/** Render the page. `ops` are the operations the result was computed from. */
export function renderHtml<S>(ops: readonly Operation[], result: CheckResult<S>, model: Model<S>, options: HtmlOptions = {}): string {
  const maxOps = options.maxOpsPerPartition ?? 2000;
  const maxPartitions = options.maxPartitions ?? 200;
  if (!(maxOps >= 1) || !(maxPartitions >= 1)) throw new RangeError('renderHtml: maxOpsPerPartition and maxPartitions must be >= 1');

  const byPartition = new Map<ValueKey, Operation[]>();
  for (const op of ops) {
    const k = valueKey(model.partition(inputOf(op)));
    let list = byPartition.get(k);
    if (list === undefined) byPartition.set(k, (list = []));
    list.push(op);
  }
  const byId = new Map(ops.map((op) => [op.id, op]));
  const rank = { 'not-linearizable': 0, unknown: 1, linearizable: 2 } as const;
  const partitions = [...result.partitions].sort((a, b) => rank[a.result] - rank[b.result]).slice(0, maxPartitions);

  const drawn: DrawnPartition[] = partitions.map((part) => {
    const all = byPartition.get(valueKey(part.key)) ?? [];
    const orderIds = part.linearization ?? part.failure?.prefix.map((op) => op.id) ?? part.longestPrefix ?? [];
    const order = orderIds.map((id) => byId.get(id)).filter((op): op is Operation => op !== undefined);
    const failed = part.failure?.op.id ?? null;
    let from = 0;
    if (all.length > maxOps) {
      const center = failed === null ? 0 : all.findIndex((op) => op.id === failed);
      from = Math.max(0, Math.min(all.length - maxOps, center - (maxOps >> 1)));
    }
    const shown = all.slice(from, from + maxOps);
    return {
      key: part.key === undefined ? '(whole history)' : formatValue(part.key),
      result: part.result + (part.unknownReason !== undefined ? ` (${part.unknownReason})` : ''),
      total: all.length,
      shownFrom: from,
      ops: shown.map((op) => ({
        id: op.id,
        p: String(op.process),
        label: shortLabel(op),
        detail: describeOperation(op),
        status: op.status,
        call: op.callTime,
        ret: Number.isFinite(op.returnTime) ? op.returnTime : null,
      })),
      order: orderIds,
      complete: part.result === 'linearizable',
      states: replay(model, order),
      failed,
      failureStates: part.failure?.stateDescriptions ?? [],
      message: part.failure?.message ?? '',
    };
  });

  const data = {
    model: result.model,
    result: result.result,
    ops: result.ops,
    partitionsTotal: result.partitions.length,
    partitions: drawn,
  };
  // JSON inside <script>: escape "<" so no "</script>" can end it early.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const title = escapeHtml(options.title ?? `Faultline check: ${result.model}`);
  return PAGE.replace('%TITLE%', title).replace('%TITLE%', title).replace('%DATA%', () => json);
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:16px;color:#1b1f24;background:#fff}
h1{font-size:18px;margin:0 0 8px}
.verdict{display:inline-block;padding:2px 8px;border-radius:4px;font-weight:600;color:#fff}
.v-linearizable{background:#1a7f37}.v-not-linearizable{background:#cf222e}.v-unknown{background:#9a6700}
#bar{display:flex;gap:16px;align-items:center;flex-wrap:wrap;margin:8px 0}
#legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;margin:8px 0}
#legend span{display:inline-flex;align-items:center;gap:4px}
.sw{display:inline-block;width:22px;height:10px;border-radius:2px}
#scroll{overflow:auto;border:1px solid #d0d7de;max-height:70vh}
#msg{margin:8px 0;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}
#tip{position:fixed;pointer-events:none;background:#1b1f24;color:#fff;padding:6px 8px;border-radius:4px;font:12px ui-monospace,monospace;white-space:pre;display:none;z-index:9}
svg text{font:11px ui-monospace,monospace}
</style></head><body>
<h1>%TITLE%</h1>
<div id="bar"><span id="summary"></span>
<label>Partition <select id="part"></select></label>
<label>Zoom <input id="zoom" type="range" min="0" max="80" value="0"></label></div>
<div id="legend">
<span><i class="sw" style="background:#54aeff"></i>ok</span>
<span><i class="sw" style="background:#d4a72c;opacity:.7"></i>info (unknown; open to the right)</span>
<span><i class="sw" style="background:#d0d7de"></i>fail (did not happen; ignored)</span>
<span><i class="sw" style="background:#54aeff;outline:2px solid #cf222e"></i>operation that could not be placed</span>
<span><svg width="40" height="12"><line x1="2" y1="6" x2="38" y2="6" stroke="#1b1f24"/><circle cx="8" cy="6" r="4" fill="#1b1f24"/><circle cx="32" cy="6" r="4" fill="#1b1f24"/></svg>linearization order</span>
<span><svg width="40" height="12"><line x1="2" y1="6" x2="38" y2="6" stroke="#bc4c00" stroke-dasharray="3 2"/><circle cx="8" cy="6" r="4" fill="#bc4c00"/><circle cx="32" cy="6" r="4" fill="#bc4c00"/></svg>longest partial linearization</span>
</div>
<div id="msg"></div>
<div id="scroll"></div>
<div id="tip"></div>
<script type="application/json" id="data">%DATA%</script>
<script>
(function(){
var data=JSON.parse(document.getElementById('data').textContent);
var NS='http://www.w3.org/2000/svg';
function el(name,attrs,parent){var e=document.createElementNS(NS,name);for(var k in attrs)e.setAttribute(k,attrs[k]);if(parent)parent.appendChild(e);return e;}
var summary=document.getElementById('summary');
var v=document.createElement('span');v.className='verdict v-'+data.result;v.textContent=data.result;summary.appendChild(v);
summary.appendChild(document.createTextNode(' model '+data.model+' \\u00b7 '+data.ops+' operations \\u00b7 '+data.partitionsTotal+' partition(s)'+(data.partitions.length<data.partitionsTotal?' ('+data.partitions.length+' embedded)':'')));
var select=document.getElementById('part');
data.partitions.forEach(function(p,i){var o=document.createElement('option');o.value=i;o.textContent=p.key+' \\u2014 '+p.result+' ('+p.total+' ops)';select.appendChild(o);});
var tip=document.getElementById('tip');
function showTip(ev,text){tip.textContent=text;tip.style.display='block';tip.style.left=(ev.clientX+12)+'px';tip.style.top=(ev.clientY+12)+'px';}
function hideTip(){tip.style.display='none';}
function draw(){
  var part=data.partitions[+select.value||0];var scroll=document.getElementById('scroll');scroll.textContent='';
  var msg=document.getElementById('msg');
  msg.textContent=(part.message?part.message+'\\n':'')+(part.shownFrom>0||part.ops.length<part.total?'Showing operations '+(part.shownFrom+1)+'\\u2013'+(part.shownFrom+part.ops.length)+' of '+part.total+'.':'');
  if(!part.ops.length){return;}
  var times=[];part.ops.forEach(function(o){times.push(o.call);if(o.ret!==null)times.push(o.ret);});
  times.sort(function(a,b){return a-b;});var uniq=[];times.forEach(function(t){if(!uniq.length||uniq[uniq.length-1]!==t)uniq.push(t);});
  var rankOf=new Map();uniq.forEach(function(t,i){rankOf.set(t,i);});
  function rankAt(t){if(rankOf.has(t))return rankOf.get(t);var lo=0,hi=uniq.length;while(lo<hi){var m=(lo+hi)>>1;if(uniq[m]<t)lo=m+1;else hi=m;}return lo-0.5;}
  var left=90,rowH=30,top=24;
  var fit=Math.max(6,(scroll.clientWidth-left-40)/(uniq.length+2));var unit=Math.max(fit,+document.getElementById('zoom').value);
  var procs=[];var seen={};part.ops.forEach(function(o){if(!seen[o.p]){seen[o.p]=1;procs.push(o.p);}});
  procs.sort(function(a,b){var x=+a,y=+b;return isNaN(x)||isNaN(y)?(a<b?-1:a>b?1:0):x-y;});
  var row={};procs.forEach(function(p,i){row[p]=i;});
  var width=left+(uniq.length+2)*unit+40,height=top+procs.length*rowH+24;
  var svg=el('svg',{width:width,height:height},scroll);
  function x(t){return left+(rankAt(t)+1)*unit;}
  procs.forEach(function(p,i){var y=top+i*rowH;el('line',{x1:left,x2:width,y1:y+rowH/2,y2:y+rowH/2,stroke:'#f0f2f4'},svg);var t=el('text',{x:4,y:y+rowH/2+4,fill:'#57606a'},svg);t.textContent='process '+p;});
  var axis=el('text',{x:left,y:14,fill:'#57606a'},svg);axis.textContent='time \\u2192 (distinct timestamps, evenly spaced)';
  var pos={};var rankIn={};part.order.forEach(function(id,i){rankIn[id]=i;});
  part.ops.forEach(function(o){
    var y=top+row[o.p]*rowH+4,x1=x(o.call),x2=o.ret===null?width-8:x(o.ret);var w=Math.max(4,x2-x1);
    var fill=o.status==='ok'?'#54aeff':o.status==='info'?'#d4a72c':'#d0d7de';
    var r=el('rect',{x:x1,y:y,width:w,height:rowH-8,rx:3,fill:fill,'fill-opacity':o.status==='info'?0.55:0.85},svg);
    if(o.status==='info')r.setAttribute('stroke-dasharray','4 3'),r.setAttribute('stroke','#9a6700');
    if(o.id===part.failed){r.setAttribute('stroke','#cf222e');r.setAttribute('stroke-width','3');}
    var label=el('text',{x:x1+4,y:y+rowH/2+1,fill:'#0b1b2b'},svg);label.textContent=o.label.length*6.6>w?o.label.slice(0,Math.max(1,Math.floor(w/6.6))):o.label;
    var k=rankIn[o.id];
    var text=o.detail+'\\ninterval ['+o.call+', '+(o.ret===null?'\\u221e':o.ret)+']'+(k!==undefined?'\\nlinearized #'+(k+1)+(part.states[k]!==undefined?'; state after: '+part.states[k]:''):o.id===part.failed?'\\ncould not be placed':'');
    [r,label].forEach(function(n){n.addEventListener('mousemove',function(ev){showTip(ev,text);});n.addEventListener('mouseleave',hideTip);});
    pos[o.id]={call:o.call,ret:o.ret,y:y+rowH-8};
  });
  var color=part.complete?'#1b1f24':'#bc4c00';var prev=-Infinity;var pts=[];
  part.order.forEach(function(id,i){var p=pos[id];if(!p)return;var t=Math.max(prev,p.call);prev=t;pts.push([x(t),p.y,i+1,id]);});
  if(pts.length>1){var d=pts.map(function(q,i){return(i?'L':'M')+q[0]+' '+q[1];}).join(' ');var path=el('path',{d:d,fill:'none',stroke:color,'stroke-width':1.2,'stroke-opacity':0.7},svg);if(!part.complete)path.setAttribute('stroke-dasharray','4 3');}
  if(part.failed!==null&&pos[part.failed]){scroll.scrollLeft=Math.max(0,x(pos[part.failed].call)-scroll.clientWidth/2);}
  pts.forEach(function(q){el('circle',{cx:q[0],cy:q[1],r:4,fill:color},svg);if(pts.length<=400){var n=el('text',{x:q[0]+5,y:q[1]+12,fill:color},svg);n.textContent=String(q[2]);}});
}
select.addEventListener('change',draw);document.getElementById('zoom').addEventListener('input',draw);draw();
})();
</script></body></html>
`;
