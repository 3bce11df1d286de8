package server

import "encoding/json"

// head starts every response body.
type head struct {
	Status  string `json:"status"`
	Message string `json:"status_message"`
	TrxID   string `json:"trx_id,omitempty"`
	// Position is the change position of what the request committed, in cluster mode
	// only (position.go): pass it as change_position to see the change on any node.
	Position string `json:"change_position,omitempty"`
}

func (h *head) header() *head { return h }

// response is any body: a struct embedding head.
type response interface{ header() *head }

type (
	plEnrollResp struct {
		head
		PLData json.RawMessage `json:"pl_data,omitempty"`
	}
	plFace struct {
		NIK      string `json:"nik"`
		UserName string `json:"user_name"`
	}
	plListResp struct {
		head
		Faces      []plFace `json:"faces"`
		NextCursor string   `json:"next_cursor,omitempty"`
	}
	plVerifyResp struct {
		head
		Similarity *float64 `json:"similarity,omitempty"`
		Masker     *bool    `json:"masker,omitempty"`
		// MaskerDetail: correct, incorrect or none (API.md); absent without the detail head.
		MaskerDetail string          `json:"masker_detail,omitempty"`
		Verified     *bool           `json:"verified,omitempty"`
		UserStatus   string          `json:"user_status,omitempty"`
		PLData       json.RawMessage `json:"pl_data,omitempty"`
	}
	// match is one identify hit; strings, as existing clients expect.
	match struct {
		Confidence string `json:"confidence_level"`
		Mask       string `json:"mask"`
		UserID     string `json:"user_id"`
		UserName   string `json:"user_name"`
	}
	plIdentifyResp struct {
		head
		Description string          `json:"status_description,omitempty"`
		Return      []match         `json:"return"`
		UserStatus  string          `json:"user_status,omitempty"`
		PLData      json.RawMessage `json:"pl_data,omitempty"`
	}
	galleriesResp struct {
		head
		Galleries []string `json:"facegalleries"`
	}
	face struct {
		UserID   string `json:"user_id"`
		UserName string `json:"user_name"`
	}
	listResp struct {
		head
		Faces      []face `json:"faces"`
		NextCursor string `json:"next_cursor,omitempty"`
	}
	verifyResp struct {
		head
		UserName   string  `json:"user_name"`
		Similarity float64 `json:"similarity"`
		Masker     bool    `json:"masker"`
		Verified   bool    `json:"verified"`
		// MaskerDetail: correct, incorrect or none (API.md); absent without the detail head.
		MaskerDetail string `json:"masker_detail,omitempty"`
	}
	identifyResp struct {
		head
		Description string  `json:"status_description,omitempty"`
		Return      []match `json:"return"`
	}
	compareResp struct {
		head
		Similarity float64 `json:"similarity"`
		Verified   bool    `json:"verified"`
		Masker     bool    `json:"masker"`
		// MaskerDetail: correct, incorrect or none (API.md); absent without the detail head.
		MaskerDetail string `json:"masker_detail,omitempty"`
	}
	tokenResp struct {
		head
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		TokenID     string `json:"token_id"`
		ExpiresIn   int64  `json:"expires_in,omitempty"` // seconds (RFC 6749 5.1); absent: never expires
	}
)
