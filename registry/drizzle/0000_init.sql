CREATE TABLE `registry_aliases` (
	`asset` text NOT NULL,
	`horizon` text NOT NULL,
	`name` text NOT NULL,
	`alias` text NOT NULL,
	`version` text NOT NULL,
	`set_at` integer NOT NULL,
	`decision_id` integer NOT NULL,
	PRIMARY KEY(`asset`, `horizon`, `name`, `alias`)
);
--> statement-breakpoint
CREATE TABLE `registry_decisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`asset` text NOT NULL,
	`horizon` text NOT NULL,
	`name` text NOT NULL,
	`action` text NOT NULL,
	`alias` text,
	`from_version` text,
	`to_version` text,
	`actor` text NOT NULL,
	`reason` text NOT NULL,
	`numbers` text NOT NULL,
	`rev` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `registry_decisions_line_idx` ON `registry_decisions` (`asset`,`horizon`,`name`,`id`);--> statement-breakpoint
CREATE TABLE `registry_guard` (
	`ok` integer NOT NULL,
	CONSTRAINT "registry_guard_ok" CHECK("registry_guard"."ok" = 1)
);
--> statement-breakpoint
CREATE TABLE `registry_lines` (
	`asset` text NOT NULL,
	`horizon` text NOT NULL,
	`name` text NOT NULL,
	`rev` integer DEFAULT 0 NOT NULL,
	`next_seq` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`asset`, `horizon`, `name`)
);
--> statement-breakpoint
CREATE TABLE `registry_versions` (
	`version` text PRIMARY KEY NOT NULL,
	`asset` text NOT NULL,
	`horizon` text NOT NULL,
	`name` text NOT NULL,
	`seq` integer NOT NULL,
	`card` text NOT NULL,
	`format` text NOT NULL,
	`artifact_sha256` text NOT NULL,
	`artifact_key` text NOT NULL,
	`artifact_size` integer NOT NULL,
	`parent` text,
	`data_from` integer NOT NULL,
	`data_to` integer NOT NULL,
	`code_version` text,
	`created_at` integer NOT NULL,
	`archived_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registry_versions_line_seq` ON `registry_versions` (`asset`,`horizon`,`name`,`seq`);--> statement-breakpoint
CREATE INDEX `registry_versions_parent_idx` ON `registry_versions` (`parent`);