package migrate_test

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// heapSampler records the largest heap in use (bytes of heap objects,
// live or not yet swept) seen while it runs, sampling every millisecond
// with runtime/metrics, which does not stop the world.
type heapSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

const heapObjects = "/memory/classes/heap/objects:bytes"

// sampleHeap collects garbage, so that what was allocated before does not
// count, and starts sampling.
func sampleHeap() *heapSampler {
	runtime.GC()
	s := &heapSampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		m := []metrics.Sample{{Name: heapObjects}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(m)
			s.peak = max(s.peak, m[0].Value.Uint64())
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// done stops sampling and returns the peak, in bytes.
func (s *heapSampler) done() uint64 {
	close(s.stop)
	s.wg.Wait()
	m := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(m)
	return max(s.peak, m[0].Value.Uint64())
}
