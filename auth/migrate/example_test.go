package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/migrate"
	"github.com/wardauth/ward/auth/sqlite"
)

// Copy refuses a target that holds anything: here, one audit event.
func ExampleCopy() {
	dir, _ := os.MkdirTemp("", "ward-migrate-example")
	defer os.RemoveAll(dir)
	src, _ := sqlite.Open(filepath.Join(dir, "src.db"))
	defer src.Close()
	dst, _ := sqlite.Open(filepath.Join(dir, "dst.db"))
	defer dst.Close()
	ctx := context.Background()
	dst.Update(ctx, func(tx auth.Tx) error {
		return tx.AppendAudit(&auth.AuditEvent{Type: auth.EventLogin, Outcome: auth.OutcomeFailure})
	})

	_, err := migrate.Copy(ctx, src, dst)
	fmt.Println(errors.Is(err, migrate.ErrTargetNotEmpty))

	// An empty target takes the copy, verified.
	dst2, _ := sqlite.Open(filepath.Join(dir, "dst2.db"))
	defer dst2.Close()
	res, err := migrate.Copy(ctx, src, dst2)
	fmt.Println(res.Target.Counts, res.Target == res.Source, res.Lost(), err)
	// Output:
	// true
	// {0 0 0 0 0 0 0} true false <nil>
}
