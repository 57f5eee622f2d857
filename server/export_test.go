package server

import "net/http"

// WriteError exposes writeError to the tests, which answer with error
// codes no handler produces yet.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	s.writeError(w, r, err)
}
