// The Cohort dashboard: plain JavaScript over the marketplace's own JSON API, charts by Chart.js
// (served by this application from the pinned npm package; nothing is fetched from elsewhere).
'use strict';

const view = document.getElementById('view');
window.cohortCharts = { ready: false };

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function eth(wei) {
  const w = BigInt(wei || '0');
  const whole = w / 10n ** 18n;
  const frac = (w % 10n ** 18n).toString().padStart(18, '0').slice(0, 4).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

async function api(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await r.json();
  if (!r.ok) {
    throw new Error(body.detail || `${r.status} on ${path}`);
  }
  return body;
}

const PAGE_SIZE = 50;

function cid(c) {
  return c ? `<span class="cid" title="ipfs://${esc(c)}">${esc(c)}</span>` : '—';
}

/** Projects newest first, a page at a time: #/?page=2 (from 1), optionally &size= (1 to 100). */
async function projects(params) {
  const size = Math.min(100, Math.max(1, Math.floor(Number(params.get('size'))) || PAGE_SIZE));
  const at = Math.max(1, Math.floor(Number(params.get('page'))) || 1);
  const page = await api(`/projects?size=${size}&page=${at - 1}`);
  const pages = Math.max(1, Math.ceil(page.total / size));
  const link = (n, text) => `<a href="#/?page=${n}${size !== PAGE_SIZE ? `&size=${size}` : ''}">${text}</a>`;
  const rows = page.items.map(p => `<tr>
      <td><a href="#/projects/${esc(p.id)}">${esc(p.id)}</a></td>
      <td><span class="status">${esc(p.status)}</span></td>
      <td>${p.settledRounds} / ${p.rounds}</td><td>${p.trainers}</td>
      <td>${eth(p.rewardPerRound)} ETH</td><td>${eth(p.budget)} ETH</td></tr>`).join('');
  view.innerHTML = `<h1>Projects (${page.total})</h1>
    <table id="projects"><thead><tr><th>id</th><th>status</th><th>settled rounds</th><th>trainers</th>
    <th>reward per round</th><th>budget</th></tr></thead><tbody>${rows}</tbody></table>
    <p id="pager">page ${at} of ${pages}${at > 1 ? ' · ' + link(at - 1, 'newer') : ''}${at < pages ? ' · ' + link(at + 1, 'older') : ''}</p>`;
  window.cohortCharts.ready = true;
}

async function project(id) {
  const p = await api(`/projects/${id}`);
  const rounds = await api(`/projects/${id}/rounds`);
  const settled = rounds.filter(r => r.settled);
  const details = await Promise.all(settled.map(r => api(`/projects/${id}/rounds/${r.round}`)));
  const accuracy = details.map(d => d.record && d.record.validationSamples
    ? 100 * d.record.validationCorrect / d.record.validationSamples : null);
  const last = details.length ? details[details.length - 1].record : null;
  const credits = last ? last.credits : [];
  const flags = [];
  details.forEach(d => (d.record ? d.record.submissions : []).forEach(s => {
    if (s.flag) flags.push({ round: d.round.round, trainer: s.trainer, flag: s.flag, cid: s.cid });
  }));
  const malformed = details.filter(d => d.record && d.record.malformed)
    .map(d => `<p class="error">round ${d.round.round}: ${esc(d.record.malformed)}</p>`).join('');
  view.innerHTML = `<h1>Project ${esc(p.id)} <span class="status">${esc(p.status)}</span></h1>
    <p>${p.settledRounds} of ${p.rounds} rounds settled · ${p.trainers} trainers ·
       reward ${eth(p.rewardPerRound)} ETH per round · stake ${eth(p.trainerStake)} ETH ·
       committee of ${p.committee.length}, quorum ${p.quorum} ·
       <a href="#/projects/${esc(p.id)}/audit">audit</a> · <a href="/projects/${esc(p.id)}/model">model (ONNX)</a></p>
    <p>Latest model ${cid(p.latestModelCid)}</p>
    <div class="charts">
      <div class="card"><h2>Validation accuracy per round</h2><canvas id="accuracy"></canvas></div>
      <div class="card"><h2>Rewards per trainer (ETH)</h2><canvas id="rewards"></canvas></div>
    </div>
    ${malformed}
    <h2>Flags</h2>
    <table id="flags"><thead><tr><th>round</th><th>trainer</th><th>reason</th><th>update</th></tr></thead>
    <tbody>${flags.map(f => `<tr><td>${f.round}</td><td class="cid">${esc(f.trainer)}</td>
      <td>${esc(f.flag)}</td><td>${cid(f.cid)}</td></tr>`).join('')}</tbody></table>
    <h2>Rounds</h2>
    <table id="rounds"><thead><tr><th>round</th><th>status</th><th>submissions</th><th>record</th><th>model</th></tr></thead>
    <tbody>${rounds.map(r => `<tr><td>${r.round}</td><td>${esc(r.status)}</td><td>${r.submissions.length}</td>
      <td>${cid(r.settled && r.settled.reportCid)}</td><td>${cid(r.settled && r.settled.modelCid)}</td></tr>`).join('')}</tbody></table>`;
  window.cohortCharts.accuracy = new Chart(document.getElementById('accuracy'), {
    type: 'line',
    data: { labels: details.map(d => `round ${d.round.round}`),
            datasets: [{ label: 'accuracy %', data: accuracy, borderColor: '#2f6fde', tension: 0.2 }] },
    options: { animation: false, scales: { y: { min: 0, max: 100 } } }
  });
  window.cohortCharts.rewards = new Chart(document.getElementById('rewards'), {
    type: 'bar',
    data: { labels: credits.map(c => c.trainer.slice(0, 8) + '…'),
            datasets: [{ label: 'credited (ETH)', data: credits.map(c => Number(eth(c.credit))), backgroundColor: '#17a673' }] },
    options: { animation: false }
  });
  window.cohortCharts.ready = true;
}

async function audit(id) {
  const a = await api(`/projects/${id}/audit`);
  const mark = b => b ? '<span class="ok">yes</span>' : '<span class="bad">no</span>';
  view.innerHTML = `<h1>Audit of project ${esc(id)}: <span id="verdict" class="${a.verdict === 'clean' ? 'ok' : 'bad'}">${esc(a.verdict)}</span></h1>
    <p>${a.settledRounds} settled rounds checked against their records ·
       claims within credits ${mark(a.claimsWithinCredits)} · stakes returned less slashes ${mark(a.stakesReturnedLessSlashes)}</p>
    <table id="audit"><thead><tr><th>round</th><th>submissions</th><th>credits = scores</th><th>root</th><th>result hash</th><th>copy flags</th><th>seal flags</th><th>problems</th></tr></thead>
    <tbody>${a.rounds.map(r => `<tr><td>${r.round}</td><td>${mark(r.submissionsMatch)}</td><td>${mark(r.creditsMatchScores)}</td>
      <td>${mark(r.rootMatches)}</td><td>${mark(r.resultHashMatches)}</td><td>${mark(r.copiesHold)}</td><td>${mark(r.sealFlagsHold)}</td><td>${r.problems.map(esc).join('<br>')}</td></tr>`).join('')}</tbody></table>
    <p><a href="#/projects/${esc(id)}">back to the project</a></p>`;
  window.cohortCharts.ready = true;
}

async function route() {
  window.cohortCharts = { ready: false };
  const m = location.hash.match(/^#\/projects\/(\d+)(\/audit)?$/);
  const q = location.hash.match(/^#\/\?(.*)$/);
  try {
    if (m && m[2]) await audit(m[1]);
    else if (m) await project(m[1]);
    else await projects(new URLSearchParams(q ? q[1] : ''));
  } catch (e) {
    view.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    window.cohortCharts.ready = true;
    window.cohortCharts.error = e.message;
  }
}

window.addEventListener('hashchange', route);
route();
