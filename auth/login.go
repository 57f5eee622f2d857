package auth

import "context"

var errBadLogin = &Error{Code: CodeInvalidCredentials, Message: "Wrong email or password."}

// Login checks an email and password and starts a session: it returns an
// access token and the session's first refresh token. The password hash is
// upgraded when the configured argon2id parameters differ from its own.
// Errors: [CodeInvalidCredentials] for an unknown email, a wrong password
// or a disabled account, with the same message and the same hashing work
// (see the package doc, # Passwords); [CodeRateLimited] beyond the login
// limits of [Limits], before any hashing; [CodeUnavailable] when no
// hashing slot is free within [Config.MaxHashWait]. Successes and failures
// within the limits are audited ("login"); refused attempts are counted
// in the summary log.
func (s *Service) Login(ctx context.Context, email, password string, meta RequestMeta) (*TokenPair, error) {
	return s.login(ctx, email, password, "", meta)
}

// PasswordGrant is the OAuth password grant ([RFC 6749, Section 4.3]) for
// legacy clients: [Service.Login] with the same checks, timing and audit
// (detail "grant=password"), and the same limits: both spend the same
// buckets. The server offers it only when configured.
//
// [RFC 6749, Section 4.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.3
func (s *Service) PasswordGrant(ctx context.Context, email, password string, meta RequestMeta) (*TokenPair, error) {
	return s.login(ctx, email, password, "grant=password", meta)
}

func (s *Service) login(ctx context.Context, email, password, detail string, meta RequestMeta) (*TokenPair, error) {
	lim := &s.cfg.Limits
	ip := meta.clean().IP
	acct := accountKey(email) + "|" + ip
	// The limits come first: a refused attempt costs no hash, no store
	// read and no audit row (it is counted in the summary log).
	if err := s.allow(ctx, limLogin, lim.Login, ip, 1); err != nil {
		return nil, err
	}
	if err := s.allow(ctx, limLoginAccount, lim.LoginAccount, acct, 1); err != nil {
		return nil, err
	}
	norm, emailErr := NormalizeEmail(email)
	var u *User
	if emailErr == nil && len(password) <= 4*s.cfg.PasswordPolicy.MaxLength {
		err := s.view(ctx, func(tx ReadTx) error {
			var err error
			u, err = tx.UserByEmail(norm)
			return err
		})
		if err != nil && !IsCode(err, CodeNotFound) {
			return nil, err
		}
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if len(password) > 4*s.cfg.PasswordPolicy.MaxLength {
		password = password[:4*s.cfg.PasswordPolicy.MaxLength] // it cannot match; bound the hashing cost
	}
	// One hash's work whatever the account: an unknown user is checked
	// against a dummy hash, and a hash under other parameters is padded
	// to the current cost (password.Hasher.Verify).
	ok, rehash, err := s.verify(ctx, password, hash)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !ok || u.Disabled {
		s.failed(ctx, limLoginAccount, lim.LoginAccount, acct)
		ev := s.event(now, EventLogin, OutcomeFailure, meta)
		ev.Detail = joinDetail(detail, "reason=unknown_user")
		if u != nil {
			ev.UserID = u.ID
			ev.Detail = joinDetail(detail, "reason=bad_password")
			if ok {
				ev.Detail = joinDetail(detail, "reason=disabled")
			}
		}
		s.recordFailure(ctx, ev)
		return nil, errBadLogin
	}
	s.succeeded(ctx, limLoginAccount, lim.LoginAccount, acct)
	newHash := ""
	if rehash {
		if newHash, err = s.hash(ctx, password); err != nil {
			return nil, err
		}
	}
	sess := &Session{
		ID: newID(sessionIDLen), UserID: u.ID, ClientID: s.cfg.AppClientID,
		RotatedAt: now, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.cfg.SessionAbsoluteTTL),
		IP: meta.clean().IP, UserAgent: meta.clean().UserAgent,
	}
	err = s.update(ctx, func(tx Tx, l *txlog) error {
		cur, err := tx.LockUser(u.ID)
		if err != nil {
			return err
		}
		if cur.Disabled || cur.PasswordHash != u.PasswordHash {
			return errBadLogin // changed while we were hashing
		}
		if newHash != "" {
			cur.PasswordHash, cur.UpdatedAt = newHash, now
			if err := tx.UpdateUser(cur); err != nil {
				return err
			}
		}
		if err := tx.CreateSession(sess); err != nil {
			return err
		}
		u = cur
		ev := s.event(now, EventLogin, OutcomeSuccess, meta)
		ev.UserID, ev.SessionID, ev.ClientID, ev.Detail = u.ID, sess.ID, sess.ClientID, detail
		if newHash != "" {
			ev.Detail = joinDetail(detail, "rehashed="+s.hasher.Params().String())
		}
		l.audit(ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.tokenPair(u, sess, now)
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}
