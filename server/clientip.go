package server

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientIP returns the address of the client that sent r. The direct peer
// (RemoteAddr) is the client unless it is in trusted; then X-Forwarded-For
// is read from the right, skipping the addresses of trusted proxies, and
// the first other address is the client: every entry left of it could
// have been written by the client itself. An entry that does not parse
// stops the walk, and the last trusted hop is the answer.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	var addr netip.Addr
	if err == nil {
		addr = peer.Addr().Unmap()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		addr = a.Unmap()
	} else {
		return r.RemoteAddr
	}
	if len(trusted) == 0 || !isTrusted(addr, trusted) {
		return addr.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return addr.String()
			}
			addr = a.Unmap()
			if !isTrusted(addr, trusted) {
				return addr.String()
			}
		}
	}
	return addr.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
