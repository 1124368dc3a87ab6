package sandbox

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

// The pages put message text into the DOM as HTML, so everything the bot,
// a citizen or staff wrote passes through one of the two renderers below.
// Both escape every character that could start markup and emit only a
// fixed set of tags they build themselves, balanced, so no text can inject
// script or break the page's layout.

// urlRE finds the web links a Telegram client makes clickable in a plain
// message; a trailing full stop, comma or bracket is left to the sentence.
var urlRE = regexp.MustCompile(`https?://[^\s<>"]*[^\s<>".,;:!?)\]]`)

// telegramHTML renders a message text the way a Telegram client shows a
// message sent without parse_mode, as the bot sends them: every character
// as written, web links clickable. Newlines are kept; the page styles
// bubbles with white-space: pre-wrap.
func telegramHTML(text string) string {
	var out strings.Builder
	last := 0
	for _, m := range urlRE.FindAllStringIndex(text, -1) {
		out.WriteString(html.EscapeString(text[last:m[0]]))
		writeLink(&out, text[m[0]:m[1]])
		out.WriteString(html.EscapeString(text[m[0]:m[1]]) + "</a>")
		last = m[1]
	}
	out.WriteString(html.EscapeString(text[last:]))
	return out.String()
}

// writeLink opens an <a> to target when it is a web or mail link, and a
// harmless one otherwise, so the closing tag always has a partner.
func writeLink(out *strings.Builder, target string) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto" && u.Scheme != "tel") {
		out.WriteString(`<a>`)
		return
	}
	out.WriteString(`<a href="` + html.EscapeString(u.String()) + `" target="_blank" rel="noopener">`)
}

// Slack's mrkdwn: *bold*, _italic_, ~strike~, `code`, ```pre```, and
// <target|label> for links and mentions; &, < and > arrive escaped.
var (
	slackAngleRE  = regexp.MustCompile(`<([^<>]*)>`)
	slackPreRE    = regexp.MustCompile("```([^`]+)```")
	slackCodeRE   = regexp.MustCompile("`([^`\n<>]+)`")
	slackBoldRE   = regexp.MustCompile(`(^|[^\w*])\*([^*\n<>]+)\*`)
	slackItalicRE = regexp.MustCompile(`(^|[^\w_])_([^_\n<>]+)_`)
	slackStrikeRE = regexp.MustCompile(`(^|[^\w~])~([^~\n<>]+)~`)
)

// slackHTML renders Slack mrkdwn as the page's HTML. plain says the text
// object was plain_text, shown as written.
func slackHTML(text string, plain bool) string {
	if plain {
		return html.EscapeString(html.UnescapeString(text))
	}
	var out strings.Builder
	last := 0
	for _, m := range slackAngleRE.FindAllStringSubmatchIndex(text, -1) {
		out.WriteString(slackInline(text[last:m[0]]))
		out.WriteString(slackAngle(text[m[2]:m[3]]))
		last = m[1]
	}
	out.WriteString(slackInline(text[last:]))
	return out.String()
}

// slackInline formats a stretch of mrkdwn without links. It works on the
// escaped text, so the tags it wraps around matches are the only markup,
// and a match never spans a tag, so they stay balanced.
func slackInline(s string) string {
	s = html.EscapeString(html.UnescapeString(s))
	s = slackPreRE.ReplaceAllString(s, "<pre>$1</pre>")
	s = slackCodeRE.ReplaceAllString(s, "<code>$1</code>")
	s = slackBoldRE.ReplaceAllString(s, "$1<b>$2</b>")
	s = slackItalicRE.ReplaceAllString(s, "$1<i>$2</i>")
	s = slackStrikeRE.ReplaceAllString(s, "$1<s>$2</s>")
	return s
}

// slackAngle renders one <…> token: a link, a user, channel or special
// mention.
func slackAngle(tok string) string {
	target, label, hasLabel := strings.Cut(tok, "|")
	esc := func(s string) string { return html.EscapeString(html.UnescapeString(s)) }
	switch {
	case strings.HasPrefix(target, "@"):
		if hasLabel {
			return `<span class="mention">@` + esc(label) + `</span>`
		}
		return `<span class="mention">` + esc(target) + `</span>`
	case strings.HasPrefix(target, "#"):
		name := strings.TrimPrefix(target, "#")
		if hasLabel {
			name = label
		}
		return `<span class="mention">#` + esc(name) + `</span>`
	case strings.HasPrefix(target, "!"):
		name := strings.TrimPrefix(target, "!")
		if hasLabel {
			name = label
		}
		return `<span class="mention">@` + esc(name) + `</span>`
	}
	if !hasLabel {
		label = target
	}
	var out strings.Builder
	writeLink(&out, html.UnescapeString(target))
	out.WriteString(esc(label) + "</a>")
	return out.String()
}
