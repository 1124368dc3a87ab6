package loadtest

import (
	"fmt"
	"html"
	"math"
	"os"
	"sort"
	"strings"
)

// Plot geometry: two panels side by side, log scales on both axes.
const (
	panelW, panelH = 380, 280
	marginL        = 62
	marginR        = 16
	marginT        = 40
	marginB        = 48
	plotW          = panelW - marginL - marginR
	plotH          = panelH - marginT - marginB
)

var (
	lineStyle = map[string]string{
		BotRantevou: `stroke="#1f77b4"`,
		BotFloor:    `stroke="#7f7f7f" stroke-dasharray="5 3"`,
	}
	dotColor = map[string]string{BotRantevou: "#1f77b4", BotFloor: "#7f7f7f"}
)

// WritePlot writes an SVG of steps/s and p99 step latency against the
// number of citizens, rantevou against the floor bot.
func (r *Report) WritePlot(path string) error {
	return os.WriteFile(path, []byte(r.plotSVG()), 0o644)
}

type point struct{ x, y float64 }

func (r *Report) series(value func(Phase) float64) map[string][]point {
	out := map[string][]point{}
	for _, p := range r.Phases {
		if v := value(p); v > 0 && p.Citizens > 0 {
			out[p.Bot] = append(out[p.Bot], point{float64(p.Citizens), v})
		}
	}
	for _, pts := range out {
		sort.Slice(pts, func(i, j int) bool { return pts[i].x < pts[j].x })
	}
	return out
}

func (r *Report) plotSVG() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		2*panelW, panelH+24, 2*panelW, panelH+24)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	var citizens []float64
	seen := map[int]bool{}
	for _, p := range r.Phases {
		if !seen[p.Citizens] && p.Citizens > 0 {
			seen[p.Citizens] = true
			citizens = append(citizens, float64(p.Citizens))
		}
	}
	sort.Float64s(citizens)
	panel(&b, 0, "steps per second", r.series(func(p Phase) float64 { return p.StepsPerSec }), citizens, "%g")
	panel(&b, panelW, "p99 step latency (ms)", r.series(func(p Phase) float64 { return p.Latency.P99 }), citizens, "%g")
	// Legend and caption.
	y := panelH + 12
	x := marginL
	for _, bot := range []string{BotRantevou, BotFloor} {
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" %s stroke-width="2"/>`, x, y-4, x+24, y-4, lineStyle[bot])
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+30, y, bot)
		x += 110
	}
	label := ""
	if r.Label != "" {
		label = r.Label + ", "
	}
	if r.MaxConnections > 0 {
		label += fmt.Sprintf("≤ %d webhook connections, ", r.MaxConnections)
	}
	if r.Interleave > 0 {
		label += fmt.Sprintf("bots in turns of ≤ %g s, ", r.Interleave)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">%s%d replica(s), %.0f s per phase, load average %.1f–%.1f, %s</text>`+"\n",
		x+10, y, html.EscapeString(label), r.Replicas, r.Duration, r.LoadStart, r.LoadEnd, r.Started.Format("2006-01-02"))
	b.WriteString("</svg>\n")
	return b.String()
}

// panel draws one log–log panel at horizontal offset ox.
func panel(b *strings.Builder, ox int, title string, series map[string][]point, xs []float64, yfmt string) {
	fmt.Fprintf(b, `<g transform="translate(%d,0)">`+"\n", ox)
	fmt.Fprintf(b, `<text x="%d" y="22" font-size="13" font-weight="bold">%s</text>`+"\n", marginL, html.EscapeString(title))
	if len(xs) == 0 {
		b.WriteString("</g>\n")
		return
	}
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, pts := range series {
		for _, p := range pts {
			ymin, ymax = math.Min(ymin, p.y), math.Max(ymax, p.y)
		}
	}
	if math.IsInf(ymin, 0) {
		ymin, ymax = 1, 10
	}
	lo, hi := math.Floor(math.Log10(ymin)), math.Ceil(math.Log10(ymax))
	if hi <= lo {
		hi = lo + 1
	}
	xlo, xhi := math.Log10(xs[0]), math.Log10(xs[len(xs)-1])
	if xhi <= xlo {
		xlo, xhi = xlo-0.5, xhi+0.5
	}
	xpos := func(x float64) float64 { return marginL + (math.Log10(x)-xlo)/(xhi-xlo)*plotW }
	ypos := func(y float64) float64 { return marginT + plotH - (math.Log10(y)-lo)/(hi-lo)*plotH }

	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", marginL, marginT, plotW, plotH)
	for e := lo; e <= hi; e++ {
		y := ypos(math.Pow(10, e))
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`, marginL, y, marginL+plotW, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">`+yfmt+`</text>`+"\n", marginL-6, y+4, math.Pow(10, e))
	}
	for _, x := range xs {
		px := xpos(x)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>`, px, marginT, px, marginT+plotH)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%g</text>`+"\n", px, marginT+plotH+16, x)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">concurrent citizens (log)</text>`+"\n", marginL+plotW/2, marginT+plotH+34)
	for _, bot := range []string{BotFloor, BotRantevou} {
		pts := series[bot]
		if len(pts) == 0 {
			continue
		}
		var path []string
		for _, p := range pts {
			path = append(path, fmt.Sprintf("%.1f,%.1f", xpos(p.x), ypos(p.y)))
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" %s stroke-width="2"/>`+"\n", strings.Join(path, " "), lineStyle[bot])
		for _, p := range pts {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s, %g citizens: %.4g</title></circle>`+"\n",
				xpos(p.x), ypos(p.y), dotColor[bot], bot, p.x, p.y)
		}
	}
	b.WriteString("</g>\n")
}
