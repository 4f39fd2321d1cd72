package report

import (
	"html/template"
	"strings"
)

// The HTML report's template and style sheet. One file, no external
// resource of any kind: styles inline, charts as inline SVG drawn from
// numbers, the logo as a data: URI inside <img> (an SVG loaded as an image
// cannot run scripts, unlike inline SVG markup). html/template escapes every
// value.

var htmlTmpl = template.Must(template.New("report").Parse(htmlSource))

// htmlCSS returns the style sheet in the brand colours. The colours come
// from rgb values (validated hex), never from raw branding strings.
func htmlCSS(primary, accent rgb) template.CSS {
	r := strings.NewReplacer("PRIMARY", primary.hex(), "ACCENT", accent.hex(), "TINT", primary.tint(0.92).hex(),
		"PASS", colorPass.hex(), "FAIL", colorFail.hex(),
		"SEVCRIT", severityColor("critical").hex(), "SEVHIGH", severityColor("high").hex(),
		"SEVMED", severityColor("medium").hex(), "SEVLOW", severityColor("low").hex(), "SEVINFO", severityColor("info").hex())
	return template.CSS(r.Replace(cssSource))
}

const cssSource = `
*{box-sizing:border-box}
body{margin:0;font-family:"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;font-size:14px;line-height:1.45;color:#212121;background:#fff}
.band{background:PRIMARY;color:#fff;padding:14px 32px;display:flex;justify-content:space-between;align-items:center;border-bottom:4px solid ACCENT}
.band .brand{font-weight:700;font-size:16px}
.band .doc{font-size:13px;opacity:.9}
main{max-width:1040px;margin:0 auto;padding:8px 32px 40px}
.cover{padding:28px 0 8px}
.cover .logo{max-height:72px;max-width:260px;display:block;margin-bottom:16px}
.kicker{text-transform:uppercase;font-size:12px;font-weight:700;letter-spacing:.06em;color:ACCENT}
h1{font-size:30px;margin:4px 0 4px;color:PRIMARY}
.subtitle{font-size:17px;color:#555;margin:0 0 18px}
table{border-collapse:collapse;width:100%;margin:8px 0 18px;font-size:13px}
th{background:PRIMARY;color:#fff;text-align:left;padding:6px 8px;font-weight:600}
td{padding:5px 8px;border-bottom:1px solid #D0D4DA;vertical-align:top}
tbody tr:nth-child(even) td{background:TINT}
table.facts th{background:none;color:#616161;width:190px;font-weight:600;border-bottom:1px solid #D0D4DA}
td.num,th.num{text-align:right}
td.nw{white-space:nowrap}
table.facts tbody tr td{background:none;white-space:pre-line}
.mono,td.mono{font-family:"SFMono-Regular",Consolas,"Liberation Mono",Menlo,monospace;font-size:12px}
.verdict{border-radius:8px;color:#fff;padding:18px 24px;margin:18px 0;display:flex;gap:28px;align-items:center}
.verdict.pass{background:PASS}.verdict.fail{background:FAIL}
.verdict .word{font-size:40px;font-weight:800;letter-spacing:.04em}
.verdict .what{font-size:12px;font-weight:700;text-transform:uppercase}
h2{font-size:22px;color:PRIMARY;border-bottom:2px solid ACCENT;padding-bottom:4px;margin:34px 0 12px}
h3{font-size:17px;color:PRIMARY;margin:22px 0 8px}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:14px 0}
.tile{background:TINT;border-left:5px solid PRIMARY;border-radius:6px;padding:10px 14px}
.tile .v{font-size:26px;font-weight:700}.tile .c{font-size:12px;color:#616161}
.tile.bad{border-color:FAIL}.tile.bad .v{color:FAIL}.tile.good{border-color:PASS}.tile.good .v{color:PASS}
.badge{display:inline-block;min-width:68px;text-align:center;border-radius:4px;color:#fff;font-size:11px;font-weight:700;padding:2px 8px}
.sev-critical{background:SEVCRIT}.sev-high{background:SEVHIGH}.sev-medium{background:SEVMED}.sev-low{background:SEVLOW}.sev-info{background:SEVINFO}
.pass-t{color:PASS;font-weight:700}.fail-t{color:FAIL;font-weight:700}
.finding{border:1px solid #D0D4DA;border-radius:6px;margin:14px 0;overflow:hidden}
.finding .bar{background:TINT;display:flex;justify-content:space-between;align-items:center;padding:8px 12px;font-weight:700;color:PRIMARY}
.finding .body{padding:6px 12px 10px}
.finding dl{display:grid;grid-template-columns:110px 1fr 110px 1fr;gap:2px 10px;margin:4px 0 8px;font-size:13px}
.finding dt{color:#616161;font-weight:600}.finding dd{margin:0;overflow-wrap:anywhere}
.finding dd.wide{grid-column:2 / span 3}
.label{font-weight:700;color:PRIMARY;font-size:13px;margin-top:8px}
pre{background:#F3F4F6;padding:8px 10px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;margin:4px 0;border-radius:4px}
.note{font-style:italic;color:#616161;font-size:12px}
.ref{display:block;color:ACCENT;overflow-wrap:anywhere;font-size:13px}
.chart{width:100%;max-width:760px;height:auto;display:block;margin:8px 0 4px}
.muted{color:#616161}
.attest{border:1px solid #D0D4DA;padding:12px 16px;border-radius:6px;background:#FAFAFB}
.sign{display:grid;grid-template-columns:1fr 1fr;gap:26px 40px;margin:26px 0 8px}
.sign div{border-top:1px solid #212121;padding-top:3px;font-size:12px;color:#616161}
footer{max-width:1040px;margin:0 auto;padding:14px 32px 30px;color:#616161;font-size:12px;border-top:1px solid #D0D4DA}
@page{size:A4;margin:15mm}
@media print{
 body{font-size:11px}
 .band,.verdict,th,.badge,.tile,.finding .bar,pre,tbody tr:nth-child(even) td{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 main,footer{max-width:none;padding-left:0;padding-right:0}
 .finding,.tile,.verdict,tr,.sign,.attest{page-break-inside:avoid;break-inside:avoid}
 h2,h3{page-break-after:avoid;break-after:avoid}
 .section{page-break-before:auto}
 .cover{page-break-after:always;break-after:page}
 thead{display:table-header-group}
}
`

const htmlSource = `
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Perimeter">
<title>{{.Title}}{{if .Target}} — {{.Target}}{{end}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<div class="band"><span class="brand">{{.Brand}}</span><span class="doc">{{.Title}}</span></div>
<main>
{{end}}

{{define "cover"}}<section class="cover">
{{if .Logo}}<img class="logo" src="{{.Logo}}" alt="{{.Brand}}">{{end}}
<div class="kicker">{{.Kicker}}</div>
<h1>{{.Title}}</h1>
{{if .Subtitle}}<p class="subtitle">{{.Subtitle}}</p>{{end}}
<table class="facts"><tbody>{{range .Facts}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</tbody></table>
{{if .ShowVerdict}}<div class="verdict {{if .Pass}}pass{{else}}fail{{end}}"><div><div class="what">PCI DSS compliance status</div><div class="word">{{.Verdict}}</div></div>
<div>{{.VerdictText}}<br>{{.ScopeText}}</div></div>{{end}}
</section>
{{end}}

{{define "h2"}}<h2>{{if .Num}}{{.Num}}&nbsp; {{end}}{{.Title}}</h2>
{{end}}
{{define "h3"}}<h3>{{if .Num}}{{.Num}}&nbsp; {{end}}{{.Title}}</h3>
{{end}}
{{define "aosctitle"}}<section class="cover"><div class="kicker">Payment Card Industry Data Security Standard</div>
<h1>Attestation of Scan Compliance</h1><p class="subtitle">Approved Scanning Vendor (ASV) Program</p></section>
{{end}}
{{define "empty"}}<p class="note">{{.}}</p>
{{end}}

{{define "summary"}}<p>{{.Text}}</p>
<div class="tiles">{{range .Tiles}}<div class="tile {{.Class}}"><div class="v">{{.Value}}</div><div class="c">{{.Caption}}</div></div>{{end}}</div>
{{end}}

{{define "bars"}}<svg class="chart" viewBox="0 0 760 {{.H}}" role="img" aria-label="Findings by severity">
{{range .Bars}}<text x="0" y="{{.TY}}" font-size="13" font-weight="600" fill="#212121">{{.Label}}</text>
<rect x="90" y="{{.Y}}" width="{{.W}}" height="20" rx="2" fill="{{.Color}}"></rect>
<text x="760" y="{{.TY}}" font-size="13" text-anchor="end" fill="#212121">{{.Count}} ({{.Share}})</text>
{{end}}</svg>
<p class="note">Total: {{.Total}}.</p>
{{end}}

{{define "lines"}}<svg class="chart" viewBox="0 0 760 250" role="img" aria-label="Findings over time">
{{range .Grid}}<line x1="50" x2="710" y1="{{.Y}}" y2="{{.Y}}" stroke="#D0D4DA" stroke-width="1"></line><text x="44" y="{{.TY}}" font-size="11" text-anchor="end" fill="#616161">{{.Label}}</text>
{{end}}{{range .XLabels}}<text x="{{.X}}" y="228" font-size="11" text-anchor="middle" fill="#616161">{{.Label}}</text>
{{end}}{{range .Series}}<polyline fill="none" stroke="{{.Color}}" stroke-width="2.5" points="{{.Points}}"></polyline>
{{end}}{{range $i, $s := .Series}}<rect x="{{$s.LX}}" y="238" width="14" height="6" fill="{{$s.Color}}"></rect><text x="{{$s.TX}}" y="245" font-size="11" fill="#212121">{{$s.Label}}</text>
{{end}}</svg>
{{end}}

{{define "table"}}<table><thead><tr>{{range .Head}}<th{{if .Num}} class="num"{{end}}>{{.Text}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{if .Badge}}<span class="badge sev-{{.Badge}}">{{.Text}}</span>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{end}}

{{define "tableStart"}}<table><thead><tr>{{range .}}<th{{if .Num}} class="num"{{end}}>{{.Text}}</th>{{end}}</tr></thead><tbody>
{{end}}
{{define "row"}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{if .Badge}}<span class="badge sev-{{.Badge}}">{{.Text}}</span>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}
{{define "tableEnd"}}</tbody></table>
{{end}}

{{define "finding"}}<article class="finding" id="f{{.N}}">
<div class="bar"><span>{{.N}}. {{.Title}}</span><span class="badge sev-{{.Severity}}">{{.SeverityLabel}}</span></div>
<div class="body"><dl>
<dt>Host</dt><dd class="mono">{{.Host}}</dd><dt>Service</dt><dd>{{.Service}}</dd>
<dt>Status</dt><dd>{{.Status}}</dd><dt>PCI DSS</dt><dd class="{{if .PCIFail}}fail-t{{else}}pass-t{{end}}">{{.PCI}}</dd>
<dt>First seen</dt><dd>{{.FirstSeen}}</dd><dt>Last seen</dt><dd>{{.LastSeen}}</dd>
<dt>CVSS</dt><dd class="wide">{{.CVSS}}{{if .Vector}} <span class="mono">{{.Vector}}</span>{{end}}</dd>
{{if .CVEs}}<dt>CVEs</dt><dd class="wide">{{.CVEs}}</dd>{{end}}
{{if .Check}}<dt>Check</dt><dd class="wide mono">{{.Check}}</dd>{{end}}
</dl>
{{if .Description}}<div class="label">Description</div><div>{{.Description}}</div>{{end}}
{{if .Evidence}}<div class="label">Evidence</div><pre>{{.Evidence}}</pre>{{if .EvidenceNote}}<div class="note">{{.EvidenceNote}}</div>{{end}}{{end}}
{{if .Solution}}<div class="label">Solution</div><div>{{.Solution}}</div>{{end}}
{{if .References}}<div class="label">References</div>{{range .References}}<span class="ref">{{.}}</span>{{end}}{{end}}
</div></article>
{{end}}

{{define "remediation"}}<article class="finding">
<div class="bar"><span>R{{.N}}. {{.Title}}</span><span class="badge sev-{{.Severity}}">{{.SeverityLabel}}</span></div>
<div class="body"><dl>
<dt>Scope</dt><dd class="wide">{{.Scope}}</dd>
{{if .Check}}<dt>Check</dt><dd class="wide mono">{{.Check}}</dd>{{end}}
{{if .CVEs}}<dt>CVEs</dt><dd class="wide">{{.CVEs}}</dd>{{end}}
</dl>
{{if .Solution}}<div class="label">Solution</div><div>{{.Solution}}</div>{{end}}
<div class="label">Affected</div><div class="mono">{{.Hosts}}</div>
</div></article>
{{end}}

{{define "party"}}<table class="facts"><tbody>
<tr><th>Company</th><td>{{.Company}}</td><th>Contact name</th><td>{{.Contact}}</td></tr>
<tr><th>Job title</th><td>{{.Title}}</td><th>Telephone</th><td>{{.Phone}}</td></tr>
<tr><th>E-mail</th><td>{{.Email}}</td><th>URL</th><td>{{.URL}}</td></tr>
<tr><th>Business address</th><td colspan="3">{{.Address}}</td></tr>
</tbody></table>
{{end}}

{{define "attest"}}<div class="attest"><p>{{.Text}}</p><div class="sign">{{range .Lines}}<div>{{.}}</div>{{end}}</div></div>
{{end}}

{{define "tail"}}</main>
<footer>{{.Footer}}{{if .Support}} · {{.Support}}{{end}} · Generated {{.Generated}}{{if .ID}} · Report {{.ID}}{{end}}</footer>
</body>
</html>
{{end}}
`
