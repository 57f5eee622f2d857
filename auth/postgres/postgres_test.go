package postgres_test

import (
	"testing"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/auth/storetest"
)

// TestConformance runs every storetest case, each on its own schema.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) auth.Store { return pgtest.MustOpen(t) })
}
