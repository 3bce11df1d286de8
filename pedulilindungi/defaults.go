package pedulilindungi

import "time"

// Defaults of HTTPConfig and BreakerConfig: a zero field takes these in NewHTTP and
// NewBreaker; `wajah serve`'s settings (internal/config) show the same values.
const (
	DefaultRegisterPath    = "/api/v1/register"
	DefaultCheckinPath     = "/api/v1/checkin"
	DefaultCheckoutPath    = "/api/v1/checkout"
	DefaultTimeout         = 3 * time.Second
	DefaultRetries         = 2
	DefaultBackoff         = 100 * time.Millisecond
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 10 * time.Second
)
