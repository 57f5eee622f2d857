package server

import (
	"fmt"
	"slices"
	"testing"
)

// events returns events with the Seqs seqs.
func events(seqs ...int64) []feedEvent {
	out := make([]feedEvent, len(seqs))
	for i, q := range seqs {
		out[i] = feedEvent{seq: q, data: fmt.Appendf(nil, "e%d", q)}
	}
	return out
}

func seqs(evs []feedEvent) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.seq
	}
	return out
}

// TestFeedTailWindow: the window takes the reads that adjoin it, keeps
// each Seq once and in order, drops its oldest events past its bound, and
// tells a stream whether it is inside, behind or ahead of it.
func TestFeedTailWindow(t *testing.T) {
	tl := newFeedTail(make(chan struct{}))
	tl.maxEv = 4
	tl.running = true // no reader: the test merges by hand
	tl.join()

	want := func(p int64, wantPos tailPosition, wantSeqs []int64, wantHigh int64) {
		t.Helper()
		evs, high, _, pos := tl.since(p)
		if pos != wantPos || !slices.Equal(seqs(evs), wantSeqs) || (pos == tailIn && high != wantHigh) {
			t.Fatalf("since(%d) = %v %v high %d; want %v %v high %d", p, pos, seqs(evs), high, wantPos, wantSeqs, wantHigh)
		}
	}
	want(0, tailBehind, nil, 0) // no window yet

	tl.merge(nil, 3, events(5, 6), 6) // the first read: the window is (3, 6]
	want(3, tailIn, []int64{5, 6}, 6)
	want(4, tailIn, []int64{5, 6}, 6)
	want(6, tailIn, []int64{}, 6)
	want(2, tailBehind, nil, 0)
	want(7, tailAhead, nil, 0)

	_, _, wake, _ := tl.since(6)
	tl.merge(nil, 4, events(5, 6, 8), 8) // overlaps: only 8 is new
	select {
	case <-wake:
	default:
		t.Fatal("no wake-up when the window grew")
	}
	want(3, tailIn, []int64{5, 6, 8}, 8)

	tl.merge(nil, 9, events(10), 10) // does not adjoin (9 > 8): ignored
	want(8, tailIn, []int64{}, 8)
	want(9, tailAhead, nil, 0)

	_, _, wake, _ = tl.since(8)
	tl.merge(nil, 8, nil, 8) // nothing new: no wake-up
	select {
	case <-wake:
		t.Fatal("a wake-up for nothing new")
	default:
	}
	tl.merge(nil, 8, nil, 9) // a Seq given to no row still moves the end
	want(8, tailIn, []int64{}, 9)

	held, _, _, _ := tl.since(3)
	tl.merge(nil, 9, events(11, 12, 13), 13) // 6 events: 5 and 6 dropped
	want(6, tailIn, []int64{8, 11, 12, 13}, 13)
	want(5, tailBehind, nil, 0)
	if got := seqs(held); !slices.Equal(got, []int64{5, 6, 8}) {
		t.Fatalf("events handed out before the drop changed: %v", got)
	}

	tl.maxB = 3 * (3 + feedTailOverhead) // now by bytes: 3 events
	tl.merge(nil, 13, events(14), 14)
	want(11, tailIn, []int64{12, 13, 14}, 14)
	want(10, tailBehind, nil, 0)
}

// TestFeedTailRestoredStore: a read that holds another row under a Seq
// the window holds (a store restored from a backup under the running
// server, which gives old Seqs to new rows) starts the window again from
// that read; a read that lacks a row the window holds (changed or
// deleted since) does not.
func TestFeedTailRestoredStore(t *testing.T) {
	tl := newFeedTail(make(chan struct{}))
	tl.running = true
	tl.join()
	tl.merge(nil, 0, events(1, 2, 3, 4), 4)
	if tl.merge(nil, 1, events(3, 4), 4) {
		t.Fatal("a read lacking Seq 2 restarted the window")
	}
	other := []feedEvent{{seq: 2, data: []byte("another row")}, {seq: 3, data: []byte("and another")}}
	if !tl.merge(nil, 1, other, 3) {
		t.Fatal("a read with another row under Seq 2 did not restart the window")
	}
	evs, high, _, pos := tl.since(1)
	if pos != tailIn || high != 3 || len(evs) != 2 || string(evs[0].data) != "another row" {
		t.Fatalf("after the restart: %v %v high %d", pos, seqs(evs), high)
	}
	if _, _, _, pos := tl.since(0); pos != tailBehind {
		t.Fatalf("since(0) = %v after the window restarted at 1; want behind", pos)
	}
}
