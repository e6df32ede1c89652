-- Members of registered work groups as member keys, so that staff membership can be checked across
-- bot accounts (a class group on another account registered by a teacher of that school).

-- CreateTable
CREATE TABLE "work_group_member" (
    "group_id" INTEGER NOT NULL,
    "member_key" TEXT NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "work_group_member_pkey" PRIMARY KEY ("group_id","member_key")
);

-- CreateIndex
CREATE INDEX "work_group_member_member_key_idx" ON "work_group_member"("member_key");

-- AddForeignKey
ALTER TABLE "work_group_member" ADD CONSTRAINT "work_group_member_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "chat_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;
