package api

// BulkDeleteRequest is the body of every bulk delete (spec §1.4).
type BulkDeleteRequest struct {
	IDs []string `json:"ids" doc:"ids to delete; all-or-nothing"`
}

// BulkDeleteResponse reports how many were deleted.
type BulkDeleteResponse struct {
	Deleted int `json:"deleted"`
}
