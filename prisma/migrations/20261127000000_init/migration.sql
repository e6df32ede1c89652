-- Short post codes F100, F101, … come from this sequence (Post.code default).
CREATE SEQUENCE "post_code_seq" START 100;

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "UnitKind" AS ENUM ('city', 'county', 'department', 'school');

-- CreateEnum
CREATE TYPE "GroupKind" AS ENUM ('work', 'parent', 'source');

-- CreateEnum
CREATE TYPE "GroupStatus" AS ENUM ('active', 'paused', 'left', 'ambiguous');

-- CreateEnum
CREATE TYPE "SourceKind" AS ENUM ('official', 'feed', 'forward', 'source_group', 'content');

-- CreateEnum
CREATE TYPE "SourceScope" AS ENUM ('national', 'city', 'local');

-- CreateEnum
CREATE TYPE "PostKind" AS ENUM ('article', 'text', 'image', 'video', 'channel_video', 'mini_program', 'file', 'letter', 'attestation', 'case');

-- CreateEnum
CREATE TYPE "Audience" AS ENUM ('all', 'work', 'parent');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped');

-- CreateEnum
CREATE TYPE "ConfirmHow" AS ENUM ('keyword', 'code', 'quote', 'attestation');

-- CreateEnum
CREATE TYPE "TokenRole" AS ENUM ('bureau', 'county', 'school');

-- CreateEnum
CREATE TYPE "ReportKind" AS ENUM ('monthly', 'half_year', 'annual');

-- CreateTable
CREATE TABLE "org_unit" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "UnitKind" NOT NULL,
    "parent_id" INTEGER,
    "county_id" INTEGER,
    "code_hash" TEXT,
    "code_issued_at" TIMESTAMPTZ(3),
    "contact_name" TEXT,
    "sample" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "org_unit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bot_account" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "puppet" TEXT NOT NULL,
    "login_state" TEXT NOT NULL DEFAULT 'logged_out',
    "login_name" TEXT,
    "qr_url" TEXT,
    "last_login_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "throttle_level" INTEGER NOT NULL DEFAULT 0,
    "throttled_until" TIMESTAMPTZ(3),
    "sent_day" TEXT,
    "sent_today" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bot_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chat_group" (
    "id" SERIAL NOT NULL,
    "kind" "GroupKind" NOT NULL,
    "org_unit_id" INTEGER NOT NULL,
    "class_name" TEXT,
    "bot_account_id" INTEGER NOT NULL,
    "topic" TEXT NOT NULL,
    "room_id" TEXT,
    "status" "GroupStatus" NOT NULL DEFAULT 'active',
    "status_reason" TEXT,
    "auto_forward" BOOLEAN NOT NULL DEFAULT false,
    "reminders_on" BOOLEAN NOT NULL DEFAULT true,
    "registered_by" TEXT NOT NULL,
    "owner_key" TEXT NOT NULL,
    "member_count" INTEGER NOT NULL DEFAULT 0,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enroll_attempt" (
    "id" SERIAL NOT NULL,
    "room_ref" TEXT NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enroll_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "source" (
    "id" SERIAL NOT NULL,
    "kind" "SourceKind" NOT NULL,
    "scope" "SourceScope" NOT NULL,
    "name" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "etag" TEXT,
    "last_modified" TEXT,
    "last_polled_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "post" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL DEFAULT ('F'::text || nextval('post_code_seq'::regclass)),
    "source_id" INTEGER NOT NULL,
    "kind" "PostKind" NOT NULL,
    "title" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '',
    "url" TEXT,
    "media" JSONB NOT NULL DEFAULT '[]',
    "canonical_key" TEXT NOT NULL,
    "audience" "Audience" NOT NULL DEFAULT 'all',
    "urgent" BOOLEAN NOT NULL DEFAULT false,
    "confirm_words" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "captured_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "created_by" TEXT,

    CONSTRAINT "post_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "post_origin" (
    "post_id" INTEGER NOT NULL,
    "source_id" INTEGER NOT NULL,
    "external_id" TEXT NOT NULL DEFAULT '',
    "seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "post_origin_pkey" PRIMARY KEY ("post_id","source_id","external_id")
);

-- CreateTable
CREATE TABLE "draft" (
    "id" SERIAL NOT NULL,
    "admin_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "draft_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delivery" (
    "id" SERIAL NOT NULL,
    "post_id" INTEGER NOT NULL,
    "group_id" INTEGER NOT NULL,
    "bot_account_id" INTEGER NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "claimed_at" TIMESTAMPTZ(3),
    "claimed_by" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "error" TEXT,
    "rendering" TEXT,
    "members_at_send" INTEGER,
    "confirmed" INTEGER NOT NULL DEFAULT 0,
    "first_confirm_at" TIMESTAMPTZ(3),
    "last_confirm_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "confirmation" (
    "post_id" INTEGER NOT NULL,
    "group_id" INTEGER NOT NULL,
    "member_key" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "how" "ConfirmHow" NOT NULL,

    CONSTRAINT "confirmation_pkey" PRIMARY KEY ("post_id","group_id","member_key")
);

-- CreateTable
CREATE TABLE "reminder" (
    "post_id" INTEGER NOT NULL,
    "group_id" INTEGER NOT NULL,
    "day" TEXT NOT NULL,
    "round" INTEGER NOT NULL DEFAULT 1,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pending" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "reminder_pkey" PRIMARY KEY ("post_id","group_id","day")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "role" "TokenRole" NOT NULL,
    "org_unit_id" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "group_id" INTEGER,
    "org_unit_id" INTEGER,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cron_fire" (
    "job" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "fired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "fired_by" TEXT NOT NULL,

    CONSTRAINT "cron_fire_pkey" PRIMARY KEY ("job","slot")
);

-- CreateTable
CREATE TABLE "report" (
    "id" SERIAL NOT NULL,
    "kind" "ReportKind" NOT NULL,
    "period" TEXT NOT NULL,
    "org_unit_id" INTEGER NOT NULL,
    "generated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "data" JSONB NOT NULL,

    CONSTRAINT "report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "unit_figures" (
    "org_unit_id" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "cases" INTEGER NOT NULL DEFAULT 0,
    "losses_yuan" DECIMAL(14,2) NOT NULL DEFAULT 0,
    "entered_by" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "unit_figures_pkey" PRIMARY KEY ("org_unit_id","period")
);

-- CreateTable
CREATE TABLE "setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "org_unit_code_hash_key" ON "org_unit"("code_hash");

-- CreateIndex
CREATE INDEX "org_unit_county_id_idx" ON "org_unit"("county_id");

-- CreateIndex
CREATE UNIQUE INDEX "org_unit_parent_id_name_key" ON "org_unit"("parent_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "bot_account_name_key" ON "bot_account"("name");

-- CreateIndex
CREATE INDEX "chat_group_org_unit_id_idx" ON "chat_group"("org_unit_id");

-- CreateIndex
CREATE INDEX "chat_group_bot_account_id_status_idx" ON "chat_group"("bot_account_id", "status");

-- CreateIndex
CREATE INDEX "chat_group_topic_idx" ON "chat_group"("topic");

-- CreateIndex
CREATE INDEX "enroll_attempt_room_ref_at_idx" ON "enroll_attempt"("room_ref", "at");

-- CreateIndex
CREATE UNIQUE INDEX "source_key_key" ON "source"("key");

-- CreateIndex
CREATE UNIQUE INDEX "post_code_key" ON "post"("code");

-- CreateIndex
CREATE UNIQUE INDEX "post_canonical_key_key" ON "post"("canonical_key");

-- CreateIndex
CREATE INDEX "post_captured_at_idx" ON "post"("captured_at");

-- CreateIndex
CREATE INDEX "draft_admin_key_idx" ON "draft"("admin_key");

-- CreateIndex
CREATE INDEX "delivery_bot_account_id_status_due_at_idx" ON "delivery"("bot_account_id", "status", "due_at");

-- CreateIndex
CREATE INDEX "delivery_group_id_sent_at_idx" ON "delivery"("group_id", "sent_at");

-- CreateIndex
CREATE INDEX "delivery_status_idx" ON "delivery"("status");

-- CreateIndex
CREATE UNIQUE INDEX "delivery_post_id_group_id_key" ON "delivery"("post_id", "group_id");

-- CreateIndex
CREATE INDEX "confirmation_group_id_member_key_idx" ON "confirmation"("group_id", "member_key");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_hash_key" ON "api_token"("hash");

-- CreateIndex
CREATE INDEX "audit_event_at_idx" ON "audit_event"("at");

-- CreateIndex
CREATE INDEX "audit_event_group_id_idx" ON "audit_event"("group_id");

-- CreateIndex
CREATE UNIQUE INDEX "report_kind_period_org_unit_id_key" ON "report"("kind", "period", "org_unit_id");

-- AddForeignKey
ALTER TABLE "org_unit" ADD CONSTRAINT "org_unit_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "org_unit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "org_unit" ADD CONSTRAINT "org_unit_county_id_fkey" FOREIGN KEY ("county_id") REFERENCES "org_unit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_group" ADD CONSTRAINT "chat_group_org_unit_id_fkey" FOREIGN KEY ("org_unit_id") REFERENCES "org_unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_group" ADD CONSTRAINT "chat_group_bot_account_id_fkey" FOREIGN KEY ("bot_account_id") REFERENCES "bot_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "post" ADD CONSTRAINT "post_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "post_origin" ADD CONSTRAINT "post_origin_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "post"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "post_origin" ADD CONSTRAINT "post_origin_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "post"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "chat_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_bot_account_id_fkey" FOREIGN KEY ("bot_account_id") REFERENCES "bot_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "confirmation" ADD CONSTRAINT "confirmation_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "post"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "confirmation" ADD CONSTRAINT "confirmation_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "chat_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reminder" ADD CONSTRAINT "reminder_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "post"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reminder" ADD CONSTRAINT "reminder_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "chat_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_org_unit_id_fkey" FOREIGN KEY ("org_unit_id") REFERENCES "org_unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "report" ADD CONSTRAINT "report_org_unit_id_fkey" FOREIGN KEY ("org_unit_id") REFERENCES "org_unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "unit_figures" ADD CONSTRAINT "unit_figures_org_unit_id_fkey" FOREIGN KEY ("org_unit_id") REFERENCES "org_unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

