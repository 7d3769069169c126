-- Every 站内信 links to its item (the application, the request, the clock's object): the page
-- the recipient opens from the inbox. Messages queued before this column have none.
ALTER TABLE outbox_message ADD COLUMN link TEXT;
