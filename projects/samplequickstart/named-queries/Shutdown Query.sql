UPDATE sessions
SET end_time = CURRENT_TIMESTAMP
WHERE session_id = :SessionID
