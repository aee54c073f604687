package main

import (
	"fmt"
	"io"
	"strings"
)

// The chart is written by hand: a few dozen lines of SVG are less to trust
// than a plotting library's dependency tree, and the output stays
// byte-for-byte stable for the golden test. One panel per workload and
// op of the suite, two panels a row, one bar per implementation, fastest
// first; each panel has its own linear scale, since the workloads' times
// differ by orders of magnitude.
const (
	chartWidth = 980
	margin     = 16
	colGap     = 24
	panelW     = (chartWidth - 2*margin - colGap) / 2
	labelW     = 120 // the implementation names, right-aligned
	valueW     = 78  // the time written after each bar
	barArea    = panelW - labelW - valueW - 8
	rowH       = 16
	barH       = 11
	titleH     = 22
	panelGap   = 20
	headerH    = 92

	wirekitColor = "#2f6fd0"
	peerColor    = "#9aa5b1"
	textColor    = "#1f2328"
	mutedColor   = "#57606a"
)

func chart(w io.Writer, r *run) {
	tables := r.tables("Suite")
	panelH := func(t *table) int { return titleH + len(t.rows)*rowH }
	height := headerH
	for i := 0; i < len(tables); i += 2 {
		h := panelH(tables[i])
		if i+1 < len(tables) {
			h = max(h, panelH(tables[i+1]))
		}
		height += h + panelGap
	}
	height += margin - panelGap

	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		chartWidth, height, chartWidth, height)
	p("<title>wirekit and peer libraries: time per operation, by workload and operation</title>\n")
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="%d" y="28" font-size="16" font-weight="bold" fill="%s">wirekit and peer libraries: time per operation (shorter is faster)</text>`+"\n", margin, textColor)
	sub := fmt.Sprintf("BenchmarkSuite · %s · %s/%s · %s CPUs · %s · %s", r.get("cpu"), r.get("goos"), r.get("goarch"),
		r.get("ncpu"), r.get("goversion"), r.get("date"))
	if r.get("report-mode") == "short" {
		sub += " · -short: one short run each"
	}
	p(`<text x="%d" y="48" fill="%s">%s</text>`+"\n", margin, mutedColor, esc(sub))
	p(`<text x="%d" y="64" fill="%s">Each panel has its own linear scale. Median of %d run(s); details in bench/REPORT.md.</text>`+"\n",
		margin, mutedColor, runsOf(r))
	// The legend.
	lx, ly := margin, 74
	p(`<rect x="%d" y="%d" width="12" height="%d" fill="%s"/><text x="%d" y="%d" fill="%s">wirekit</text>`+"\n",
		lx, ly, barH, wirekitColor, lx+16, ly+barH-1, textColor)
	lx += 80
	p(`<rect x="%d" y="%d" width="12" height="%d" fill="%s"/><text x="%d" y="%d" fill="%s">peer library</text>`+"\n",
		lx, ly, barH, peerColor, lx+16, ly+barH-1, textColor)
	lx += 110
	p(`<rect x="%d" y="%d" width="12" height="%d" fill="%s" fill-opacity="0.4"/><text x="%d" y="%d" fill="%s">⚠ loses data in the round trip (what: bench/REPORT.md)</text>`+"\n",
		lx, ly, barH, peerColor, lx+16, ly+barH-1, textColor)

	y := headerH
	for i, t := range tables {
		col := i % 2
		x := margin + col*(panelW+colGap)
		panel(w, t, x, y)
		if col == 1 || i == len(tables)-1 {
			h := panelH(t)
			if col == 1 {
				h = max(h, panelH(tables[i-1]))
			}
			y += h + panelGap
		}
	}
	p("</svg>\n")
}

func panel(w io.Writer, t *table, x, y int) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	res := t.rows[0].res
	p(`<text x="%d" y="%d" font-size="13" font-weight="bold" fill="%s">%s · %s</text>`+"\n",
		x, y+14, textColor, esc(res.keys["workload"]), esc(res.keys["op"]))
	longest := 0.0
	for _, rw := range t.rows {
		longest = max(longest, rw.time.center)
	}
	x0 := x + labelW
	top := y + titleH
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1"/>`+"\n",
		x0, top-2, x0, top+len(t.rows)*rowH, mutedColor)
	for i, rw := range t.rows {
		by := top + i*rowH
		color, weight := peerColor, "normal"
		if isWirekit(rw.res.impl) {
			color, weight = wirekitColor, "bold"
		}
		width := 1.0
		if longest > 0 {
			width = max(1, rw.time.center/longest*barArea)
		}
		opacity, mark := "1", ""
		if rw.lossy {
			opacity, mark = "0.4", " ⚠"
		}
		p(`<text x="%d" y="%d" text-anchor="end" font-weight="%s" fill="%s">%s</text>`,
			x0-6, by+barH-1, weight, textColor, esc(rw.res.impl))
		p(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="%s"/>`,
			x0, by, width, barH, color, opacity)
		p(`<text x="%.1f" y="%d" fill="%s">%s%s</text>`+"\n",
			float64(x0)+width+4, by+barH-1, textColor, esc(fmtTime(rw.time.center)), mark)
	}
}

var esc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace
