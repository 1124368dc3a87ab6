package sandbox

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestTelegramHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"PlainGreek", "Καλώς ήρθατε!", "Καλώς ήρθατε!"},
		{"MarkupIsShownAsWritten", "<b>bold</b> & <script>x</script>", "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;"},
		{"EntitiesAreShownAsWritten", "a &amp; b", "a &amp;amp; b"},
		{"QuotesEscaped", `say "hi" 'there'`, "say &#34;hi&#34; &#39;there&#39;"},
		{"NewlinesKept", "one\ntwo", "one\ntwo"},
		{"LinkBecomesClickable", "See https://thessaloniki.gr/rantevou.", `See <a href="https://thessaloniki.gr/rantevou" target="_blank" rel="noopener">https://thessaloniki.gr/rantevou</a>.`},
		{"LinkWithQuery", "http://x.gr/a?b=1&c=2", `<a href="http://x.gr/a?b=1&amp;c=2" target="_blank" rel="noopener">http://x.gr/a?b=1&amp;c=2</a>`},
		{"JavascriptIsNoLink", "javascript:alert(1)", "javascript:alert(1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := telegramHTML(tt.in); got != tt.want {
				t.Fatalf("telegramHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSlackHTML(t *testing.T) {
	tests := []struct {
		name, in string
		plain    bool
		want     string
	}{
		{"Bold", "*09:00* Birth certificate", false, "<b>09:00</b> Birth certificate"},
		{"ItalicAndStrike", "_moved_ ~cancelled~", false, "<i>moved</i> <s>cancelled</s>"},
		{"Code", "use `/rantevou help`", false, "use <code>/rantevou help</code>"},
		{"Pre", "```a\nb```", false, "<pre>a\nb</pre>"},
		{"BoldInsideWordIsNot", "a*b*c", false, "a*b*c"},
		{"SlackEscapesDecoded", "a &lt;b&gt; &amp; c", false, "a &lt;b&gt; &amp; c"},
		{"RawMarkupEscaped", "<script>", false, `<a>script</a>`},
		{"LinkWithLabel", "<https://x.gr/r?a=1|the roster>", false, `<a href="https://x.gr/r?a=1" target="_blank" rel="noopener">the roster</a>`},
		{"UserMention", "<@U0EXAMPLE1> cancelled", false, `<span class="mention">@U0EXAMPLE1</span> cancelled`},
		{"ChannelMention", "<#C0CIVILREG|civil-registry>", false, `<span class="mention">#civil-registry</span>`},
		{"Here", "<!here> heads up", false, `<span class="mention">@here</span> heads up`},
		{"PlainTextUntouched", "*not bold* <x>", true, "*not bold* &lt;x&gt;"},
		{"BoldCannotSpanCode", "*a `b* c`", false, "*a <code>b* c</code>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackHTML(tt.in, tt.plain); got != tt.want {
				t.Fatalf("slackHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderBlocksSkipsWhatItCannotRead(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"NotJSON", "{", 0},
		{"Empty", "", 0},
		{"UnknownKindsLeftOut", `[{"type":"image"},{"type":"divider"},{"type":"input"}]`, 1},
		{"SectionWithFieldsAndAccessory", `[{"type":"section","block_id":"x","fields":[{"type":"mrkdwn","text":"*a*"}],"accessory":{"type":"button","action_id":"c","value":"v","text":{"type":"plain_text","text":"Cancel"}}}]`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderBlocks(json.RawMessage(tt.in))
			if len(got) != tt.want {
				t.Fatalf("renderBlocks(%s) = %+v, want %d blocks", tt.in, got, tt.want)
			}
			if tt.name == "SectionWithFieldsAndAccessory" {
				b := got[0]
				if b.Fields[0] != "<b>a</b>" || len(b.Buttons) != 1 || b.Buttons[0].Text != "Cancel" || b.Buttons[0].BlockID != "x" {
					t.Fatalf("section = %+v", b)
				}
			}
		})
	}
}

// safeHTML matches exactly the tags the renderers may emit.
var safeTagRE = regexp.MustCompile(`</?(b|i|s|code|pre)>|<a>|<a href="[^"<>]*" target="_blank" rel="noopener">|</a>|<span class="mention">|</span>`)

// checkSafe fails when html holds markup the renderers must never emit:
// any tag outside the fixed set, or tags that do not nest.
func checkSafe(t *testing.T, in, html string) {
	t.Helper()
	var stack []string
	for _, loc := range safeTagRE.FindAllStringIndex(html, -1) {
		tag := html[loc[0]:loc[1]]
		name := strings.Trim(strings.Fields(tag)[0], "</>")
		if strings.HasPrefix(tag, "</") {
			if len(stack) == 0 || stack[len(stack)-1] != name {
				t.Fatalf("render(%q) = %q: %s closes nothing open", in, html, tag)
			}
			stack = stack[:len(stack)-1]
		} else {
			stack = append(stack, name)
		}
	}
	if len(stack) != 0 {
		t.Fatalf("render(%q) = %q: %v left open", in, html, stack)
	}
	rest := safeTagRE.ReplaceAllString(html, "")
	if strings.ContainsAny(rest, `<>"'`) {
		t.Fatalf("render(%q) = %q: unescaped markup left: %q", in, html, rest)
	}
}

func FuzzTelegramHTML(f *testing.F) {
	for _, s := range []string{"", "plain", "<b>x</b>", "https://a.gr/x?y=<z>", "a & b", "http://\"onload=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSafe(t, s, telegramHTML(s))
	})
}

func FuzzSlackHTML(f *testing.F) {
	for _, s := range []string{"", "*b* _i_ ~s~", "```x```", "<https://a|b>", "<@U1> <#C1|c> <!here>", "*a `b* c`", "<javascript:x|y>", "&lt;&gt;&amp;"} {
		f.Add(s, false)
	}
	f.Add("*plain*", true)
	f.Fuzz(func(t *testing.T, s string, plain bool) {
		checkSafe(t, s, slackHTML(s, plain))
	})
}
