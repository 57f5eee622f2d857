//go:build !linux

package interop

// threadCPU has no per-thread CPU clock outside Linux.
func threadCPU() (int64, bool) { return 0, false }
