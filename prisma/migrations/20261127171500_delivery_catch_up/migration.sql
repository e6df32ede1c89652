-- A delivery planned for a group after its post's own fan-out (a late registration, a resume, an
-- opt-in: planLateGroup) is a catch-up. Due deliveries are claimed fresh ones first, so a backlog
-- of old posts for late groups never delays a post that is due now.

-- AlterTable
ALTER TABLE "delivery" ADD COLUMN "catch_up" BOOLEAN NOT NULL DEFAULT false;
