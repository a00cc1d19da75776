CREATE TABLE `alerts` (
	`rule` text NOT NULL,
	`dedup_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`id` text NOT NULL,
	`severity` text NOT NULL,
	`status` text NOT NULL,
	`title` text NOT NULL,
	`message` text NOT NULL,
	`labels` text NOT NULL,
	PRIMARY KEY(`rule`, `dedup_key`, `created_at`)
);
--> statement-breakpoint
CREATE INDEX `alerts_created_idx` ON `alerts` (`created_at`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`detail` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_log_prev_hash_unique` ON `audit_log` (`prev_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `audit_log_hash_unique` ON `audit_log` (`hash`);--> statement-breakpoint
CREATE TABLE `candles` (
	`symbol` text NOT NULL,
	`interval` text NOT NULL,
	`open_time` integer NOT NULL,
	`open` real NOT NULL,
	`high` real NOT NULL,
	`low` real NOT NULL,
	`close` real NOT NULL,
	`volume` real NOT NULL,
	`source` text,
	PRIMARY KEY(`symbol`, `interval`, `open_time`)
);
--> statement-breakpoint
CREATE TABLE `feature_vectors` (
	`asset` text NOT NULL,
	`time` integer NOT NULL,
	`values` text NOT NULL,
	PRIMARY KEY(`asset`, `time`)
);
--> statement-breakpoint
CREATE TABLE `model_versions` (
	`name` text NOT NULL,
	`version` text NOT NULL,
	`card` text NOT NULL,
	`artifact_uri` text NOT NULL,
	`stage` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`name`, `version`)
);
--> statement-breakpoint
CREATE TABLE `observations` (
	`source` text NOT NULL,
	`series` text NOT NULL,
	`event_time` integer NOT NULL,
	`available_at` integer NOT NULL,
	`value` real NOT NULL,
	`attrs` text,
	`schema_version` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`source`, `series`, `event_time`, `available_at`)
);
--> statement-breakpoint
CREATE TABLE `outcomes` (
	`asset` text NOT NULL,
	`horizon` text NOT NULL,
	`issued_at` integer NOT NULL,
	`model_version` text NOT NULL,
	`model` text NOT NULL,
	`target_time` integer NOT NULL,
	`realized` real NOT NULL,
	`abs_error` real NOT NULL,
	`persistence_abs_error` real NOT NULL,
	`covered90` integer NOT NULL,
	`up_actual` integer NOT NULL,
	`pinball` real NOT NULL,
	`scored_at` integer NOT NULL,
	PRIMARY KEY(`asset`, `horizon`, `issued_at`, `model_version`)
);
--> statement-breakpoint
CREATE INDEX `outcomes_issued_idx` ON `outcomes` (`asset`,`issued_at`);--> statement-breakpoint
CREATE TABLE `predictions` (
	`asset` text NOT NULL,
	`horizon` text NOT NULL,
	`issued_at` integer NOT NULL,
	`model_version` text NOT NULL,
	`model` text NOT NULL,
	`target_time` integer NOT NULL,
	`last_price` real NOT NULL,
	`point` real NOT NULL,
	`p05` real NOT NULL,
	`p25` real NOT NULL,
	`p50` real NOT NULL,
	`p75` real NOT NULL,
	`p95` real NOT NULL,
	`p_up` real NOT NULL,
	`confidence` real NOT NULL,
	`conservative` integer NOT NULL,
	`metadata` text NOT NULL,
	PRIMARY KEY(`asset`, `horizon`, `issued_at`, `model_version`)
);
--> statement-breakpoint
CREATE INDEX `predictions_issued_idx` ON `predictions` (`asset`,`issued_at`);--> statement-breakpoint
CREATE INDEX `predictions_model_idx` ON `predictions` (`asset`,`model`,`horizon`,`issued_at`);--> statement-breakpoint
CREATE INDEX `predictions_target_idx` ON `predictions` (`asset`,`target_time`);--> statement-breakpoint
CREATE TABLE `quarantine` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`kind` text NOT NULL,
	`reason` text NOT NULL,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `quarantine_source_idx` ON `quarantine` (`source`,`id`);