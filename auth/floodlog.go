package auth

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// maxFloodKeys bounds the keys one summary interval counts separately;
// the rest are counted together under "other".
const maxFloodKeys = 1000

// floodLog counts refused requests and failures beyond the limits per
// limit and key, and logs one "rate_limited" line per key per interval
// instead of an audit row each.
type floodLog struct {
	log      *slog.Logger
	interval time.Duration

	mu     sync.Mutex
	counts map[floodKey]int
	timer  *time.Timer // pending flush; nil when nothing is counted
}

type floodKey struct{ limit, key string }

func newFloodLog(log *slog.Logger, interval time.Duration) *floodLog {
	return &floodLog{log: log, interval: interval, counts: make(map[floodKey]int)}
}

// add counts one event of limit for key, and schedules the interval's
// summary if it is the first.
func (f *floodLog) add(limit, key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := floodKey{limit, key}
	if _, ok := f.counts[k]; !ok && len(f.counts) >= maxFloodKeys {
		k.key = "other"
	}
	f.counts[k]++
	if f.timer == nil {
		f.timer = time.AfterFunc(f.interval, f.flush)
	}
}

// flush logs the counts and starts a new interval.
func (f *floodLog) flush() {
	f.mu.Lock()
	counts := f.counts
	f.counts, f.timer = make(map[floodKey]int), nil
	f.mu.Unlock()
	keys := make([]floodKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].limit != keys[j].limit {
			return keys[i].limit < keys[j].limit
		}
		return keys[i].key < keys[j].key
	})
	for _, k := range keys {
		f.log.LogAttrs(context.Background(), slog.LevelWarn, "rate_limited",
			slog.String("limit", k.limit), slog.String("key", k.key), slog.Int("count", counts[k]), slog.Duration("interval", f.interval))
	}
}
