-- 政企合同双兑现: each commitment item has a type (the standard chain's node kinds, 奖补兑现 or
-- 其他). The type names the item's clock kind (commitment.<type>), so 提醒/警示/催告 are configured
-- per type, and marks the government side's incentive items that a breach suspends.
ALTER TABLE commitment ADD COLUMN item_type TEXT NOT NULL DEFAULT 'other';
-- Items itemised from the standard template before types existed carry the node's key.
UPDATE commitment SET item_type = item_key
 WHERE item_key IN ('registration', 'land_delivery', 'design', 'construction_permit',
                    'construction_start', 'completion', 'production', 'full_production');
