package server

import "net/http"

// WriteError exposes writeError to the tests, which answer with error
// codes no handler produces yet.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	s.writeError(w, r, err)
}

// SetFeedWindow bounds the revocation feed's tail to n events, so that a
// test can put a stream behind it.
func (s *Server) SetFeedWindow(n int) {
	t := s.feed.tail
	t.mu.Lock()
	t.maxEv = n
	t.mu.Unlock()
}

// FeedStoreReads returns the feed's reads of new revocations: by its tail,
// and by streams themselves.
func (s *Server) FeedStoreReads() (tail, stream int64) {
	return s.feed.tailReads.Load(), s.feed.streamReads.Load()
}
