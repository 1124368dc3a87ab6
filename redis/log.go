package redis

import (
	"context"
	"fmt"
	"log/slog"

	goredis "github.com/redis/go-redis/v9"
)

// LogTo sends go-redis's own messages (failed dials, pool trouble) to log at
// warning level instead of the standard logger, so they are structured and
// pass the program's scrubbing handler. go-redis keeps one logger for the
// whole process: call it once, before opening clients.
func LogTo(log *slog.Logger) { goredis.SetLogger(slogPrintf{log}) }

type slogPrintf struct{ log *slog.Logger }

func (l slogPrintf) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}
