package bot

import "strings"

// scrub removes the bot token from text bound for a log. go-telegram/bot
// masks it in the URL of a failed request, but other errors (a decode error
// quoting a body, a proxy's message) may still carry it.
func scrub(text, token string) string {
	if token == "" {
		return text
	}
	return strings.ReplaceAll(text, token, "***")
}
