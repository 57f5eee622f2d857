package auth

// SetHashHook makes h call f while holding a hashing slot, before each
// hash, so that tests can hold a slot. Set it before h is used.
func SetHashHook(h *Hasher, f func()) { h.hook = f }
