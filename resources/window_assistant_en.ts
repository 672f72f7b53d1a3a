<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>ChecklistDialog</name>
    <message>
        <source>设备与场地（第 19 条）</source>
        <translation>Equipment and premises (Art. 19)</translation>
    </message>
    <message>
        <source>着装与仪容自查（第 41–47 条）</source>
        <translation>Dress and appearance self-check (Art. 41–47)</translation>
    </message>
    <message>
        <source>班前检查</source>
        <translation>Shift checklist</translation>
    </message>
    <message>
        <source>不合格</source>
        <translation>Falls short</translation>
    </message>
    <message>
        <source>正常</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>{0}：正常</source>
        <translation>{0}: OK</translation>
    </message>
    <message>
        <source>{0}：{1}</source>
        <translation>{0}: {1}</translation>
    </message>
    <message>
        <source>不适用</source>
        <translation>Not applicable</translation>
    </message>
    <message>
        <source>{0}：不适用</source>
        <translation>{0}: not applicable</translation>
    </message>
    <message>
        <source>{0}：{1}说明</source>
        <translation>{0}: {1} note</translation>
    </message>
    <message>
        <source>{0}说明（必填）</source>
        <translation>{0} note (required)</translation>
    </message>
    <message>
        <source>请填写{0}说明，填写后按回车记录。</source>
        <translation>Write the {0} note, then press Enter to record it.</translation>
    </message>
    <message>
        <source>故障</source>
        <translation>Fault</translation>
    </message>
    <message>
        <source>检查项</source>
        <translation>Checklist items</translation>
    </message>
    <message>
        <source>提交检查</source>
        <translation>Submit</translation>
    </message>
    <message>
        <source>提交班前检查</source>
        <translation>Submit the shift checklist</translation>
    </message>
    <message>
        <source>已检查 {0} / {1} 项</source>
        <translation>{0} / {1} checked</translation>
    </message>
    <message>
        <source>，已提交</source>
        <translation>, submitted</translation>
    </message>
    <message>
        <source>本班班前检查已提交。</source>
        <translation>This shift&apos;s checklist is submitted.</translation>
    </message>
    <message>
        <source>今天已没有开门时段。</source>
        <translation>No more opening hours today.</translation>
    </message>
    <message>
        <source>{0:%H:%M} 开门，须在 {1:%H:%M} 前完成检查（第 19 条）</source>
        <translation>Opens {0:%H:%M}; finish the checklist by {1:%H:%M} (Art. 19)</translation>
    </message>
    <message>
        <source>——已超过 {0} 分钟</source>
        <translation> — {0} min late</translation>
    </message>
</context>
<context>
    <name>ClosingBanner</name>
    <message>
        <source>下班提醒</source>
        <translation>Closing reminder</translation>
    </message>
    <message>
        <source>延时服务中</source>
        <translation>Overtime service</translation>
    </message>
    <message>
        <source>{0:%H:%M} 已到下班时间 · 已延时服务 {1} 人 · 等候 {2} 人。办完、无人等候后再下班（第 28 条）。</source>
        <translation>Closing time {0:%H:%M} passed · {1} served in overtime · {2} waiting. Leave only when done and no one waits (Art. 28).</translation>
    </message>
    <message>
        <source>{0:%H:%M} 下班 · 还有 {1} 分钟</source>
        <translation>Closes {0:%H:%M} · {1} min left</translation>
    </message>
    <message>
        <source>等候 {0} 人。正在办理的照常办完，等候的不得拒绝（第 28 条）。</source>
        <translation>{0} waiting. Finish current cases; don&apos;t turn waiting people away (Art. 28).</translation>
    </message>
    <message>
        <source>下班提醒详情</source>
        <translation>Closing reminder details</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>撰写回复 — 服务忌语检查</source>
        <translation>Write reply — taboo phrase check</translation>
    </message>
    <message>
        <source>撰写回复</source>
        <translation>Write reply</translation>
    </message>
    <message>
        <source>在这里写回复（网上咨询、短信、备注）。红色波浪线标出服务忌语（第 60 条）。</source>
        <translation>Write replies here (online enquiries, SMS, notes). Taboo phrases get a red wavy underline (Art. 60).</translation>
    </message>
    <message>
        <source>使用说明</source>
        <translation>How to use</translation>
    </message>
    <message>
        <source>回复草稿</source>
        <translation>Reply draft</translation>
    </message>
    <message>
        <source>请输入回复内容……</source>
        <translation>Type your reply…</translation>
    </message>
    <message>
        <source>检查结果</source>
        <translation>Check result</translation>
    </message>
    <message>
        <source>服务忌语与建议用语</source>
        <translation>Taboo phrases and suggestions</translation>
    </message>
    <message>
        <source>服务忌语列表</source>
        <translation>Taboo phrase list</translation>
    </message>
    <message>
        <source>插入</source>
        <translation>Insert</translation>
    </message>
    <message>
        <source>插入到业务系统</source>
        <translation>Insert into the business system</translation>
    </message>
    <message>
        <source>复制</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>复制到剪贴板</source>
        <translation>Copy to clipboard</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>关闭撰写窗口</source>
        <translation>Close the reply window</translation>
    </message>
    <message numerus="yes">
        <source>发现 %n 处服务忌语（第 60 条：%1），请改用下面的规范用语。</source>
        <translation>
            <numerusform>Found %n taboo phrase (Art. 60: %1); use the standard phrase below instead.</numerusform>
            <numerusform>Found %n taboo phrases (Art. 60: %1); use the standard phrases below instead.</numerusform>
        </translation>
    </message>
    <message>
        <source>未发现服务忌语。</source>
        <translation>No taboo phrases found.</translation>
    </message>
    <message>
        <source>服务忌语 %1</source>
        <translation>Taboo phrase %1</translation>
    </message>
    <message>
        <source>第 60 条 %1 “%2”</source>
        <translation>Art. 60 %1 “%2”</translation>
    </message>
    <message>
        <source>（忌：%1）</source>
        <translation> (avoid: %1)</translation>
    </message>
    <message>
        <source>忌语说明</source>
        <translation>Why to avoid it</translation>
    </message>
    <message>
        <source>改为：%1</source>
        <translation>Use: %1</translation>
    </message>
    <message>
        <source>改用规范用语：%1</source>
        <translation>Use the standard phrase: %1</translation>
    </message>
    <message>
        <source>点击，用这句规范用语替换划线的文字</source>
        <translation>Click to replace the underlined text with this standard phrase</translation>
    </message>
    <message>
        <source>仍要插入</source>
        <translation>Insert anyway</translation>
    </message>
    <message>
        <source>返回修改</source>
        <translation>Back to editing</translation>
    </message>
    <message>
        <source>服务忌语</source>
        <translation>Forbidden wording</translation>
    </message>
    <message>
        <source>这段文字仍含服务忌语（第 60 条），确定要插入吗？</source>
        <translation>This text still contains forbidden wording (rule 60). Insert it anyway?</translation>
    </message>
</context>
<context>
    <name>FileDialogs</name>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>文件夹</source>
        <translation>Folder</translation>
    </message>
</context>
<context>
    <name>FormDialog</name>
    <message>
        <source>表单提示</source>
        <translation>Form hint</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>请选择</source>
        <translation>Please choose</translation>
    </message>
    <message>
        <source>请填写：</source>
        <translation>Please fill in:</translation>
    </message>
</context>
<context>
    <name>OfferButton</name>
    <message>
        <source>插入：</source>
        <translation>Insert: </translation>
    </message>
</context>
<context>
    <name>PauseSign</name>
    <message>
        <source>暂停服务标识牌</source>
        <translation>Service paused sign</translation>
    </message>
    <message>
        <source>暂停服务</source>
        <translation>Service paused</translation>
    </message>
    <message>
        <source>暂停原因</source>
        <translation>Pause reason</translation>
    </message>
    <message>
        <source>点击此处或按 Esc 恢复服务（Ctrl+Alt+R）</source>
        <translation>Click here or press Esc to resume (Ctrl+Alt+R)</translation>
    </message>
</context>
<context>
    <name>PhraseForm</name>
    <message>
        <source>填写用语</source>
        <translation>Fill in phrase</translation>
    </message>
    <message>
        <source>填写用语：</source>
        <translation>Fill in phrase:</translation>
    </message>
    <message>
        <source>用语模板</source>
        <translation>Phrase template</translation>
    </message>
    <message>
        <source>预览</source>
        <translation>Preview</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source> 个工作日</source>
        <translation> working days</translation>
    </message>
    <message>
        <source>即 {0}月{1}日前</source>
        <translation>i.e. by {0}/{1}</translation>
    </message>
    <message>
        <source>请填写：</source>
        <translation>Please fill in: </translation>
    </message>
    <message>
        <source>（{0} 个工作日后为 {1}月{2}日）</source>
        <translation> ({0} working days from now is {1}/{2})</translation>
    </message>
</context>
<context>
    <name>PhrasePanel</name>
    <message>
        <source>规范用语库</source>
        <translation>Standard phrase library</translation>
    </message>
    <message>
        <source>关怀模式（慢速、大声）</source>
        <translation>Care mode (slow, loud)</translation>
    </message>
    <message>
        <source>关怀模式：朗读更慢、更大声（第 25 条）</source>
        <translation>Care mode: speak slower and louder (Art. 25)</translation>
    </message>
    <message>
        <source>用语列表</source>
        <translation>Phrase list</translation>
    </message>
    <message>
        <source>用语操作结果</source>
        <translation>Phrase action result</translation>
    </message>
    <message>
        <source>没有语音引擎，朗读不可用。</source>
        <translation>No speech engine; speaking is unavailable.</translation>
    </message>
    <message>
        <source>朗读不可用</source>
        <translation>No speech</translation>
    </message>
    <message>
        <source>朗读可用</source>
        <translation>Speech ready</translation>
    </message>
    <message>
        <source>本环节：</source>
        <translation>This step: </translation>
    </message>
    <message>
        <source>★ 收藏</source>
        <translation>★ Favourites</translation>
    </message>
    <message>
        <source>类别：</source>
        <translation>Category: </translation>
    </message>
    <message>
        <source>正在插入…</source>
        <translation>Inserting…</translation>
    </message>
    <message>
        <source>已复制到剪贴板。</source>
        <translation>Copied to clipboard.</translation>
    </message>
    <message>
        <source>朗读失败。</source>
        <translation>Speaking failed.</translation>
    </message>
    <message>
        <source>正在朗读…</source>
        <translation>Speaking…</translation>
    </message>
</context>
<context>
    <name>PhraseRow</name>
    <message>
        <source>插入</source>
        <translation>Insert</translation>
    </message>
    <message>
        <source>复制</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>朗读</source>
        <translation>Speak</translation>
    </message>
    <message>
        <source>第 {0} 条 · {1}</source>
        <translation>Art. {0} · {1}</translation>
    </message>
    <message>
        <source>收藏：</source>
        <translation>Favourite: </translation>
    </message>
    <message>
        <source>收藏/取消收藏（收藏的前 9 条可用 Ctrl+Alt+1…9 插入）</source>
        <translation>Add/remove favourite (the first 9 insert with Ctrl+Alt+1…9)</translation>
    </message>
</context>
<context>
    <name>QuickSearch</name>
    <message>
        <source>快速查找用语</source>
        <translation>Quick phrase search</translation>
    </message>
    <message>
        <source>查找：汉字、全拼或首字母</source>
        <translation>Search: hanzi, pinyin or initials</translation>
    </message>
    <message>
        <source>输入汉字、拼音或首字母，如 qsh</source>
        <translation>Type hanzi, pinyin or initials, e.g. qsh</translation>
    </message>
    <message>
        <source>查找结果</source>
        <translation>Search results</translation>
    </message>
    <message>
        <source>Enter 插入 · ↑↓ 选择 · Esc 关闭</source>
        <translation>Enter insert · ↑↓ select · Esc close</translation>
    </message>
    <message>
        <source>请先点一下这个窗口，再输入要查找的用语。</source>
        <translation>Click this window first, then type what to look for.</translation>
    </message>
    <message>
        <source>操作提示</source>
        <translation>Key hints</translation>
    </message>
    <message>
        <source>{0} · 第 {1} 条</source>
        <translation>{0} · Art. {1}</translation>
    </message>
</context>
<context>
    <name>ReviewWindow</name>
    <message>
        <source>今天</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>本周</source>
        <translation>This week</translation>
    </message>
    <message>
        <source>本月</source>
        <translation>This month</translation>
    </message>
    <message>
        <source>自定义</source>
        <translation>Custom</translation>
    </message>
    <message>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <source>值班长审阅</source>
        <translation>Lead review</translation>
    </message>
    <message>
        <source>我的记录</source>
        <translation>My records</translation>
    </message>
    <message>
        <source>日期范围</source>
        <translation>Date range</translation>
    </message>
    <message>
        <source>起始日期</source>
        <translation>Start date</translation>
    </message>
    <message>
        <source>截止日期</source>
        <translation>End date</translation>
    </message>
    <message>
        <source>窗口</source>
        <translation>Window</translation>
    </message>
    <message>
        <source>工作证编号</source>
        <translation>Staff ID</translation>
    </message>
    <message>
        <source>岗位</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>范围</source>
        <translation>Range</translation>
    </message>
    <message>
        <source>从</source>
        <translation>From</translation>
    </message>
    <message>
        <source>到</source>
        <translation>To</translation>
    </message>
    <message>
        <source>人员</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>数据来源：</source>
        <translation>Source: </translation>
    </message>
    <message>
        <source>数据来源</source>
        <translation>Data source</translation>
    </message>
    <message>
        <source>节假日文件提醒</source>
        <translation>Holiday calendar notice</translation>
    </message>
    <message>
        <source>审阅表格</source>
        <translation>Review tables</translation>
    </message>
    <message>
        <source>确认并批注…</source>
        <translation>Acknowledge…</translation>
    </message>
    <message>
        <source>添加说明…</source>
        <translation>Add explanation…</translation>
    </message>
    <message>
        <source>校验记录</source>
        <translation>Verify records</translation>
    </message>
    <message>
        <source>校验结果</source>
        <translation>Verification result</translation>
    </message>
    <message>
        <source>导出格式</source>
        <translation>Export format</translation>
    </message>
    <message>
        <source>导出…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>链尾哈希</source>
        <translation>Chain head hash</translation>
    </message>
    <message>
        <source>图表</source>
        <translation>Charts</translation>
    </message>
    <message>
        <source>链尾 #{0} {1}…</source>
        <translation>Chain head #{0} {1}…</translation>
    </message>
    <message>
        <source>请先在“班前检查”“设备故障”等表中选中一条记录。</source>
        <translation>First select a record in a table such as “班前检查” or “设备故障”.</translation>
    </message>
    <message>
        <source>记录 #%1：</source>
        <translation>Record #%1:</translation>
    </message>
    <message>
        <source>确认并批注</source>
        <translation>Acknowledge with comment</translation>
    </message>
    <message>
        <source>未记录</source>
        <translation>Not recorded</translation>
    </message>
    <message>
        <source>添加说明</source>
        <translation>Add explanation</translation>
    </message>
    <message>
        <source>完整</source>
        <translation>Intact</translation>
    </message>
    <message>
        <source>正在导出…</source>
        <translation>Exporting…</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>选择导出文件夹</source>
        <translation>Choose export folder</translation>
    </message>
    <message>
        <source>导出到</source>
        <translation>Export to</translation>
    </message>
    <message>
        <source>导出</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>已导出 {0} 行到 {1}。</source>
        <translation>Exported {0} rows to {1}.</translation>
    </message>
    <message>
        <source>值班长工号</source>
        <translation>Shift lead ID</translation>
    </message>
    <message>
        <source>值班长 PIN</source>
        <translation>Shift lead PIN</translation>
    </message>
    <message>
        <source>值班长工号：</source>
        <translation>Shift lead ID:</translation>
    </message>
    <message>
        <source>值班长 PIN：</source>
        <translation>Shift lead PIN:</translation>
    </message>
    <message>
        <source>请填写值班长工号（1–20 个字符）。</source>
        <translation>Enter the shift lead ID (1–20 characters).</translation>
    </message>
    <message>
        <source>登录大厅数据库</source>
        <translation>Log in to the hall database</translation>
    </message>
    <message>
        <source>值班长的大厅数据库用户名：</source>
        <translation>The shift lead&apos;s hall database user:</translation>
    </message>
    <message>
        <source>用户 %1 的密码：</source>
        <translation>Password of user %1:</translation>
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <source>助手已在运行：同一个数据文件只能由一个助手使用。</source>
        <translation>The assistant is already running: one data file is used by one assistant only.</translation>
    </message>
    <message>
        <source>话术文件已更新，但有 {0} 处问题（见上方），有问题的文件仍用内置版本。</source>
        <translation>The scripts were updated, with {0} problem(s) (see above): the faulty files use the built-in version.</translation>
    </message>
    <message>
        <source>话术文件已更新并重新载入。</source>
        <translation>The scripts were updated and reloaded.</translation>
    </message>
    <message>
        <source>第 {0} 个常用语尚未设置：在用语旁点 ☆ 加入常用。</source>
        <translation>Favourite {0} is not set: click ☆ beside a phrase to add it.</translation>
    </message>
    <message>
        <source>请先签到，再查看本人的记录。</source>
        <translation>Sign in first to see your records.</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>请勿在此填写姓名、电话、证件号</source>
        <translation>Do not type names, phone or ID numbers here</translation>
    </message>
    <message>
        <source>办结</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>退回</source>
        <translation>Return</translation>
    </message>
    <message>
        <source>转办</source>
        <translation>Refer</translation>
    </message>
    <message>
        <source>无法办理</source>
        <translation>Can&apos;t do</translation>
    </message>
    <message>
        <source>待答复</source>
        <translation>Pending</translation>
    </message>
    <message>
        <source>迎</source>
        <translation>Greet</translation>
    </message>
    <message>
        <source>问</source>
        <translation>Ask</translation>
    </message>
    <message>
        <source>接</source>
        <translation>Take</translation>
    </message>
    <message>
        <source>听</source>
        <translation>Listen</translation>
    </message>
    <message>
        <source>递</source>
        <translation>Hand</translation>
    </message>
    <message>
        <source>送</source>
        <translation>Bye</translation>
    </message>
    <message>
        <source>窗口服务助手</source>
        <translation>Window Assistant</translation>
    </message>
    <message>
        <source>窗口服务助手侧边栏</source>
        <translation>Window Assistant sidebar</translation>
    </message>
    <message>
        <source>展开侧边栏</source>
        <translation>Expand the sidebar</translation>
    </message>
    <message>
        <source>展
开</source>
        <translation>S
h
o
w</translation>
    </message>
    <message>
        <source>收起</source>
        <translation>Hide</translation>
    </message>
    <message>
        <source>收起侧边栏</source>
        <translation>Collapse the sidebar</translation>
    </message>
    <message>
        <source>等候人数减一</source>
        <translation>One fewer waiting</translation>
    </message>
    <message>
        <source>等候人数加一</source>
        <translation>One more waiting</translation>
    </message>
    <message>
        <source>配置问题</source>
        <translation>Configuration problems</translation>
    </message>
    <message>
        <source>签到</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>签到或签退</source>
        <translation>Sign in or out</translation>
    </message>
    <message>
        <source>班前检查</source>
        <translation>Shift checklist</translation>
    </message>
    <message>
        <source>暂停服务</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>暂停或恢复服务</source>
        <translation>Pause or resume service</translation>
    </message>
    <message>
        <source>请先说</source>
        <translation>Say first</translation>
    </message>
    <message>
        <source>{0}（第 {1} 条）</source>
        <translation>{0} (Art. {1})</translation>
    </message>
    <message>
        <source>侧边栏页面</source>
        <translation>Sidebar pages</translation>
    </message>
    <message>
        <source>用语</source>
        <translation>Phrases</translation>
    </message>
    <message>
        <source>办理</source>
        <translation>Cases</translation>
    </message>
    <message>
        <source>工具</source>
        <translation>Tools</translation>
    </message>
    <message>
        <source>切换到：</source>
        <translation>Switch to: </translation>
    </message>
    <message>
        <source>规范用语</source>
        <translation>Standard phrases</translation>
    </message>
    <message>
        <source>本环节的规范用语</source>
        <translation>Standard phrases for this step</translation>
    </message>
    <message>
        <source>办理结果：</source>
        <translation>Outcome: </translation>
    </message>
    <message>
        <source>请稍候</source>
        <translation>Please wait</translation>
    </message>
    <message>
        <source>请第二位服务对象稍候（第 14 条）</source>
        <translation>Ask a second visitor to wait (Art. 14)</translation>
    </message>
    <message>
        <source>致歉</source>
        <translation>Apologise</translation>
    </message>
    <message>
        <source>工作差错时致歉（第 17 条）</source>
        <translation>Apologise for a mistake (Art. 17)</translation>
    </message>
    <message>
        <source>专人接手</source>
        <translation>Hand over</translation>
    </message>
    <message>
        <source>请专人接手处理（第 27 条）</source>
        <translation>Have a colleague take over (Art. 27)</translation>
    </message>
    <message>
        <source>上门服务</source>
        <translation>Home visit</translation>
    </message>
    <message>
        <source>登记上门服务（第 25 条）</source>
        <translation>Register a home visit (Art. 25)</translation>
    </message>
    <message>
        <source>电话响</source>
        <translation>Phone rings</translation>
    </message>
    <message>
        <source>电话助手（第 29 条）</source>
        <translation>Phone helper (Art. 29)</translation>
    </message>
    <message>
        <source>系统故障</source>
        <translation>System fault</translation>
    </message>
    <message>
        <source>故障模式（第 24 条）</source>
        <translation>Fault mode (Art. 24)</translation>
    </message>
    <message>
        <source>投诉登记</source>
        <translation>Complaint</translation>
    </message>
    <message>
        <source>投诉举报登记（第 31 条）</source>
        <translation>Record a complaint or report (Art. 31)</translation>
    </message>
    <message>
        <source>内部工作</source>
        <translation>Internal work</translation>
    </message>
    <message>
        <source>开始或结束内部工作（第 23 条）</source>
        <translation>Start or end internal work (Art. 23)</translation>
    </message>
    <message>
        <source>待答复事项（第 18、30 条）</source>
        <translation>Pending replies (Art. 18, 30)</translation>
    </message>
    <message>
        <source>撰写回复</source>
        <translation>Write reply</translation>
    </message>
    <message>
        <source>撰写书面回复并检查服务忌语（第 60 条）</source>
        <translation>Write a reply and check it for taboo phrases (Art. 60)</translation>
    </message>
    <message>
        <source>我的记录</source>
        <translation>My records</translation>
    </message>
    <message>
        <source>查看本人的记录并添加说明</source>
        <translation>See your records and add explanations</translation>
    </message>
    <message>
        <source>值班长审阅</source>
        <translation>Lead review</translation>
    </message>
    <message>
        <source>值班长审阅与导出（需要 PIN）</source>
        <translation>Shift lead review and export (PIN needed)</translation>
    </message>
    <message>
        <source>来人 F9</source>
        <translation>Start F9</translation>
    </message>
    <message>
        <source>开始接待一位服务对象</source>
        <translation>Start serving a visitor</translation>
    </message>
    <message>
        <source>下一步 F10</source>
        <translation>Next step F10</translation>
    </message>
    <message>
        <source>进入下一个环节</source>
        <translation>Go to the next step</translation>
    </message>
    <message>
        <source>送走 F11</source>
        <translation>Finish F11</translation>
    </message>
    <message>
        <source>结束本次接待</source>
        <translation>End this visit</translation>
    </message>
    <message>
        <source>填写用语</source>
        <translation>Fill in phrase</translation>
    </message>
    <message>
        <source>已复制到剪贴板，请按 Ctrl+V 粘贴。</source>
        <translation>Copied to the clipboard; press Ctrl+V to paste.</translation>
    </message>
    <message>
        <source>提前签退</source>
        <translation>Signing out early</translation>
    </message>
    <message>
        <source>确需提前离岗时请选择原因，值班长审阅时会看到。</source>
        <translation> If you really must leave early, choose a reason; the shift lead will see it in the review.</translation>
    </message>
    <message>
        <source>暂停原因</source>
        <translation>Pause reason</translation>
    </message>
    <message>
        <source>暂停服务需要填写原因（第 40 条）。</source>
        <translation>Pausing service needs a reason (Art. 40).</translation>
    </message>
    <message>
        <source>当前没有正在接待的服务对象。</source>
        <translation>No visitor is being served.</translation>
    </message>
    <message>
        <source>业务事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <source>办结的业务事项（第 13 条）。</source>
        <translation>The matter completed (rule 13).</translation>
    </message>
    <message>
        <source>资料问题</source>
        <translation>Document problems</translation>
    </message>
    <message>
        <source>其他问题</source>
        <translation>Other problem</translation>
    </message>
    <message>
        <source>选了“其他……”时填写</source>
        <translation>Fill in when “Other…” is ticked</translation>
    </message>
    <message>
        <source>选择资料存在的问题（第 22 条）。</source>
        <translation>Choose what is wrong with the documents (Art. 22).</translation>
    </message>
    <message>
        <source>转办窗口</source>
        <translation>Refer to window</translation>
    </message>
    <message>
        <source>为服务对象提供准确的窗口、电话和地址（第 10 条）。</source>
        <translation>Give the visitor the exact window, phone and address (Art. 10).</translation>
    </message>
    <message>
        <source>恢复服务？</source>
        <translation>Resume service?</translation>
    </message>
    <message>
        <source>继续暂停</source>
        <translation>Stay paused</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>无法办理时需要说明原因（第 15 条）。</source>
        <translation>Explain why it can&apos;t be done (Art. 15).</translation>
    </message>
    <message>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>答复期限</source>
        <translation>Reply by</translation>
    </message>
    <message>
        <source>记下联系方式，请示后按期答复（第 18、30 条）。</source>
        <translation>Take contact details; check and reply on time (Art. 18, 30).</translation>
    </message>
    <message>
        <source>接手人</source>
        <translation>Taken over by</translation>
    </message>
    <message>
        <source>服务对象情绪激动或诉求不符合政策时，由专人接手（第 27 条）。</source>
        <translation>If the visitor is upset or the request is against policy, a colleague takes over (Art. 27).</translation>
    </message>
    <message>
        <source>办理事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <source>上门期限</source>
        <translation>Home visit due by</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>行动不便或高龄的服务对象：记下电话和地址，上门服务（第 25 条）。</source>
        <translation>Elderly or less mobile visitor: take phone and address for a home visit (Art. 25).</translation>
    </message>
    <message>
        <source>结束通话</source>
        <translation>End call</translation>
    </message>
    <message>
        <source>通话记录</source>
        <translation>Call note</translation>
    </message>
    <message>
        <source>复述要点并确认，请让对方先挂电话（第 33 条）。</source>
        <translation>Repeat the key points to confirm; let the caller hang up first (Art. 33).</translation>
    </message>
    <message>
        <source>故障情况</source>
        <translation>Fault</translation>
    </message>
    <message>
        <source>系统故障：先致歉，请服务对象稍候（第 24 条）。</source>
        <translation>System fault: apologise first and ask the visitor to wait (Art. 24).</translation>
    </message>
    <message>
        <source>故障预约</source>
        <translation>Appointment after fault</translation>
    </message>
    <message>
        <source>预约日期</source>
        <translation>Appointment date</translation>
    </message>
    <message>
        <source>故障时间较长：留下电话，另行预约办理（第 24 条）。</source>
        <translation>Long fault: take a phone number and book another time (Art. 24).</translation>
    </message>
    <message>
        <source>投诉内容</source>
        <translation>Complaint</translation>
    </message>
    <message>
        <source>转交部门或领导</source>
        <translation>Forwarded to (department or leader)</translation>
    </message>
    <message>
        <source>感谢服务对象，记录并转交，及时答复（第 31 条）。</source>
        <translation>Thank the visitor, record and forward it, reply promptly (Art. 31).</translation>
    </message>
    <message>
        <source>工作内容</source>
        <translation>Task</translation>
    </message>
    <message>
        <source>没有待答复事项。</source>
        <translation>No pending replies.</translation>
    </message>
    <message>
        <source>投诉 {0}. {1}（{2}）</source>
        <translation>Complaint {0}. {1} ({2})</translation>
    </message>
    <message>
        <source>待答复事项</source>
        <translation>Pending replies</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>答复情况</source>
        <translation>Reply given</translation>
    </message>
    <message>
        <source>未签到</source>
        <translation>Not signed in</translation>
    </message>
    <message>
        <source>接待中：第 {0} 位</source>
        <translation>Serving no. {0}</translation>
    </message>
    <message>
        <source>等候 {0} 人</source>
        <translation>{0} waiting</translation>
    </message>
    <message>
        <source>签退</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>恢复服务</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>故障结束</source>
        <translation>Fault over</translation>
    </message>
    <message>
        <source>结束内部</source>
        <translation>End internal</translation>
    </message>
    <message>
        <source>挂断</source>
        <translation>Hang up</translation>
    </message>
    <message>
        <source>接听</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>待答复 {0}</source>
        <translation>Pending {0}</translation>
    </message>
    <message>
        <source>事项：</source>
        <translation>Matters: </translation>
    </message>
    <message>
        <source>尚无</source>
        <translation>none yet</translation>
    </message>
    <message>
        <source>未签到</source>
        <comment>shift status</comment>
        <translation>Not signed in</translation>
    </message>
    <message>
        <source>已下班</source>
        <comment>shift status</comment>
        <translation>Off duty</translation>
    </message>
    <message>
        <source>班前检查未完成</source>
        <comment>shift status</comment>
        <translation>Checklist due</translation>
    </message>
    <message>
        <source>暂停服务</source>
        <comment>shift status</comment>
        <translation>Paused</translation>
    </message>
    <message>
        <source>系统故障</source>
        <comment>shift status</comment>
        <translation>System fault</translation>
    </message>
    <message>
        <source>通话中</source>
        <comment>shift status</comment>
        <translation>On a call</translation>
    </message>
    <message>
        <source>接待中</source>
        <comment>shift status</comment>
        <translation>Serving</translation>
    </message>
    <message>
        <source>空闲</source>
        <comment>shift status</comment>
        <translation>Idle</translation>
    </message>
    <message>
        <source>第 {0} 条 · {1}</source>
        <translation>Art. {0} · {1}</translation>
    </message>
    <message>
        <source>本环节 {0} · 本次 {1}</source>
        <translation>Step {0} · Visit {1}</translation>
    </message>
    <message>
        <source>通话 {0}&#x3000;复述确认：“您看是这个问题吗？”&#x3000;请让对方先挂电话</source>
        <translation>Call {0} · Confirm: “您看是这个问题吗？” · Let the caller hang up first</translation>
    </message>
    <message>
        <source>故障 {0}</source>
        <translation>Fault {0}</translation>
    </message>
    <message>
        <source>：时间较长，请留下电话另行预约（第 24 条）</source>
        <translation>: long — take a phone number, book another time (Art. 24)</translation>
    </message>
    <message>
        <source>待答复 {0} 项</source>
        <translation>Pending replies: {0}</translation>
    </message>
    <message>
        <source>（{0} 项已逾期）</source>
        <translation> ({0} overdue)</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>签到</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>工作证编号</source>
        <translation>Staff ID</translation>
    </message>
    <message>
        <source>胸牌上的编号（第 41 条）</source>
        <translation>The number on your badge (Art. 41)</translation>
    </message>
    <message>
        <source>岗位</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>窗口名称</source>
        <translation>Window name</translation>
    </message>
    <message>
        <source>例如：社保3号窗口</source>
        <translation>e.g. 社保3号窗口</translation>
    </message>
    <message>
        <source>请输入工作证编号并选择岗位（第 41、61 条）。</source>
        <translation>Enter your staff ID and choose your role (Art. 41, 61).</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>此桌面没有系统托盘：收起、暂停等请用侧边栏上的按钮。</source>
        <translation>This desktop has no system tray: use the sidebar&apos;s own buttons to fold it, pause and so on.</translation>
    </message>
    <message>
        <source>窗口服务助手</source>
        <translation>Window Assistant</translation>
    </message>
    <message>
        <source>显示/隐藏侧边栏</source>
        <translation>Show/hide sidebar</translation>
    </message>
    <message>
        <source>暂停/恢复服务</source>
        <translation>Pause/resume service</translation>
    </message>
    <message>
        <source>复制诊断信息</source>
        <translation>Copy diagnostics</translation>
    </message>
    <message>
        <source>诊断信息已复制，可粘贴给技术支持。</source>
        <translation>Diagnostics copied: paste them to support.</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
</context>
<context>
    <name>VerifyDialog</name>
    <message>
        <source>校验记录</source>
        <translation>Verify records</translation>
    </message>
    <message>
        <source>只校验哈希链时，持有数据文件的人可以改写记录后重算整条链。请选择值班长保管的校验密钥文件（检查封印），和/或填入此前记下的链尾（发现被截去的记录）。</source>
        <translation>The hash chain alone cannot show a rewrite by someone who has the data file: they can recompute the whole chain. Choose the verification key file kept by the shift lead (checks the seals) and/or enter a chain head noted earlier (finds removed records).</translation>
    </message>
    <message>
        <source>校验密钥文件</source>
        <translation>Verification key file</translation>
    </message>
    <message>
        <source>选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>选择校验密钥文件</source>
        <translation>Choose the verification key file</translation>
    </message>
    <message>
        <source>链尾锚点</source>
        <translation>Chain head anchor</translation>
    </message>
    <message>
        <source>事件编号:哈希，如 120:3fa4…</source>
        <translation>event number:hash, e.g. 120:3fa4…</translation>
    </message>
    <message>
        <source>链尾锚点应为“事件编号:64 位哈希”。</source>
        <translation>The anchor must be &quot;event number:64-character hash&quot;.</translation>
    </message>
</context>
<context>
    <name>Vocabulary</name>
    <message>
        <source>窗口人员</source>
        <translation>Window clerk</translation>
    </message>
    <message>
        <source>审批人员</source>
        <translation>Approver</translation>
    </message>
    <message>
        <source>咨询引导人员</source>
        <translation>Guide</translation>
    </message>
    <message>
        <source>问候</source>
        <translation>Greeting</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Accepting</translation>
    </message>
    <message>
        <source>接收</source>
        <translation>Receiving</translation>
    </message>
    <message>
        <source>办理</source>
        <translation>Handling</translation>
    </message>
    <message>
        <source>退回</source>
        <translation>Returning</translation>
    </message>
    <message>
        <source>回执</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>告别</source>
        <translation>Farewell</translation>
    </message>
    <message>
        <source>接待</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>电话</source>
        <translation>Telephone</translation>
    </message>
    <message>
        <source>流程</source>
        <translation>Flow</translation>
    </message>
</context>
</TS>
