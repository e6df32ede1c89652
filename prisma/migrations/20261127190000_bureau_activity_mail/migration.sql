-- Activity material from work groups (#活动) and the record of e-mailed summary documents.

-- CreateTable
CREATE TABLE "activity" (
    "id" SERIAL NOT NULL,
    "org_unit_id" INTEGER NOT NULL,
    "group_id" INTEGER NOT NULL,
    "caption" TEXT NOT NULL,
    "sender_key" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "activity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "activity_media" (
    "id" SERIAL NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "activity_media_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "report_mail" (
    "id" SERIAL NOT NULL,
    "kind" "ReportKind" NOT NULL,
    "period" TEXT NOT NULL,
    "org_unit_id" INTEGER NOT NULL,
    "recipients" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "message_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "report_mail_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "activity_org_unit_id_at_idx" ON "activity"("org_unit_id", "at");

-- CreateIndex
CREATE INDEX "activity_group_id_sender_key_at_idx" ON "activity"("group_id", "sender_key", "at");

-- CreateIndex
CREATE UNIQUE INDEX "activity_media_activity_id_sha256_key" ON "activity_media"("activity_id", "sha256");

-- CreateIndex
CREATE UNIQUE INDEX "report_mail_kind_period_org_unit_id_key" ON "report_mail"("kind", "period", "org_unit_id");

-- AddForeignKey
ALTER TABLE "activity" ADD CONSTRAINT "activity_org_unit_id_fkey" FOREIGN KEY ("org_unit_id") REFERENCES "org_unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "activity" ADD CONSTRAINT "activity_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "chat_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "activity_media" ADD CONSTRAINT "activity_media_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "report_mail" ADD CONSTRAINT "report_mail_org_unit_id_fkey" FOREIGN KEY ("org_unit_id") REFERENCES "org_unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
