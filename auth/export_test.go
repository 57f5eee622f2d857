package auth

// FlushLimitSummary logs the summary of refused requests now, as the end
// of the interval would.
func FlushLimitSummary(s *Service) { s.floods.flush() }
