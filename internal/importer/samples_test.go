package importer_test

// Sample reports, written by hand after each tool's documented format (nmap.dtd,
// the .nessus v2 layout, GMP get_reports), with the elements Perimeter reads and
// some it must skip.

const nmapSample = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<nmaprun scanner="nmap" args="nmap -sV --script vulners,ssl-enum-ciphers -oX - 192.0.2.0/30" start="1733500000" startstr="Fri Dec  6 15:46:40 2024" version="7.93" xmloutputversion="1.05">
<scaninfo type="connect" protocol="tcp" numservices="1000" services="1-1000"/>
<verbose level="0"/>
<host starttime="1733500001" endtime="1733500090"><status state="up" reason="conn-refused" reason_ttl="0"/>
<address addr="192.0.2.1" addrtype="ipv4"/>
<address addr="00:11:22:33:44:55" addrtype="mac"/>
<hostnames><hostname name="web.example.test" type="PTR"/><hostname name="web.example.test" type="user"/></hostnames>
<ports><extraports state="closed" count="997"><extrareasons reason="conn-refused" count="997"/></extraports>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="0"/><service name="ssh" product="OpenSSH" version="9.2p1 Debian 2+deb12u3" extrainfo="protocol 2.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:9.2p1</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service>
<script id="vulners" output="&#xa;  cpe:/a:openbsd:openssh:9.2p1: &#xa;    CVE-2023-38408  9.8  https://vulners.com/cve/CVE-2023-38408"><table key="cpe:/a:openbsd:openssh:9.2p1">
<table><elem key="is_exploit">false</elem><elem key="cvss">9.8</elem><elem key="id">CVE-2023-38408</elem><elem key="type">cve</elem></table>
<table><elem key="is_exploit">true</elem><elem key="cvss">8.1</elem><elem key="id">CVE-2024-6387</elem><elem key="type">cve</elem></table>
<table><elem key="is_exploit">true</elem><elem key="cvss">8.1</elem><elem key="id">PACKETSTORM:179290</elem><elem key="type">packetstorm</elem></table>
<table><elem key="is_exploit">false</elem><elem key="cvss">5.9</elem><elem key="id">CVE-2023-48795</elem><elem key="type">cve</elem></table>
</table></script></port>
<port protocol="tcp" portid="443"><state state="open" reason="syn-ack" reason_ttl="0"/><service name="http" product="nginx" version="1.22.1" tunnel="ssl" method="probed" conf="10"><cpe>cpe:/a:igor_sysoev:nginx:1.22.1</cpe></service>
<script id="ssl-enum-ciphers" output="..."><table key="TLSv1.0"><table key="ciphers"><table><elem key="name">TLS_RSA_WITH_AES_128_CBC_SHA</elem><elem key="strength">A</elem></table></table><elem key="least strength">A</elem></table><table key="TLSv1.2"><table key="ciphers"></table></table><elem key="least strength">A</elem></script></port>
<port protocol="tcp" portid="8080"><state state="filtered" reason="no-response" reason_ttl="0"/><service name="http-proxy" method="table" conf="3"/></port>
<port protocol="udp" portid="161"><state state="open|filtered" reason="no-response" reason_ttl="0"/><service name="snmp" method="table" conf="3"/></port>
</ports>
<os><osmatch name="Linux 4.15 - 5.8" accuracy="96" line="1"/><osmatch name="Linux 5.0 - 5.4" accuracy="98" line="2"/></os>
<times srtt="120" rttvar="50" to="100000"/>
</host>
<host starttime="1733500001" endtime="1733500002"><status state="down" reason="no-response" reason_ttl="0"/>
<address addr="192.0.2.2" addrtype="ipv4"/>
</host>
<host><status state="up" reason="echo-reply"/><address addr="2001:db8::5" addrtype="ipv6"/><ports><port protocol="tcp" portid="25"><state state="open"/><service name="smtp" product="Postfix smtpd"/></port></ports></host>
<runstats><finished time="1733500100" timestr="Fri Dec  6 15:48:20 2024" elapsed="100.00" summary="Nmap done" exit="success"/><hosts up="2" down="1" total="3"/></runstats>
</nmaprun>
`

const nessusSample = `<?xml version="1.0" ?>
<NessusClientData_v2>
<Policy><policyName>Basic Network Scan</policyName><Preferences><ServerPreferences><preference><name>max_hosts</name><value>30</value></preference></ServerPreferences></Preferences></Policy>
<Report name="Quarterly external" xmlns:cm="http://www.nessus.org/cm">
<ReportHost name="192.0.2.10"><HostProperties>
<tag name="HOST_END">Fri Dec  6 16:10:00 2024</tag>
<tag name="HOST_END_TIMESTAMP">1733501400</tag>
<tag name="operating-system">Linux Kernel 5.10 on Debian 11</tag>
<tag name="host-ip">192.0.2.10</tag>
<tag name="host-fqdn">mail.example.test</tag>
<tag name="HOST_START">Fri Dec  6 16:00:00 2024</tag>
</HostProperties>
<ReportItem port="0" svc_name="general" protocol="tcp" severity="0" pluginID="19506" pluginName="Nessus Scan Information" pluginFamily="Settings">
<description>This plugin displays information about the Nessus scan.</description><plugin_output>Nessus version : 10.6.1</plugin_output><risk_factor>None</risk_factor>
</ReportItem>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="2" pluginID="104743" pluginName="TLS Version 1.0 Protocol Detection" pluginFamily="Service detection">
<synopsis>The remote service encrypts traffic using an older version of TLS.</synopsis>
<description>The remote service accepts connections encrypted using TLS 1.0.</description>
<solution>Enable support for TLS 1.2 and 1.3, and disable support for TLS 1.0.</solution>
<see_also>https://tools.ietf.org/html/draft-ietf-tls-oldversions-deprecate-00
https://example.test/tls</see_also>
<cvss3_base_score>6.5</cvss3_base_score><cvss3_vector>CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:N</cvss3_vector>
<cvss_base_score>6.1</cvss_base_score><cvss_vector>CVSS2#AV:N/AC:H/Au:N/C:C/I:P/A:N</cvss_vector>
<plugin_output>TLSv1 is enabled and the server supports at least one cipher.</plugin_output>
</ReportItem>
<ReportItem port="22" svc_name="ssh" protocol="tcp" severity="3" pluginID="187201" pluginName="OpenSSH &lt; 9.6 Multiple Vulnerabilities" pluginFamily="Misc.">
<description>The version of OpenSSH installed is prior to 9.6.</description>
<solution>Upgrade to OpenSSH version 9.6 or later.</solution>
<cvss3_base_score>7.5</cvss3_base_score><cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N</cvss3_vector>
<cve>CVE-2023-51385</cve><cve>CVE-2023-48795</cve><cve>not-a-cve</cve>
<exploit_available>true</exploit_available>
<plugin_output>  Installed version : 8.4p1
  Fixed version     : 9.6</plugin_output>
</ReportItem>
<ReportItem port="80" svc_name="www" protocol="tcp" severity="2" pluginID="10000" pluginName="Slow loris" pluginFamily="Web Servers">
<cvss3_base_score>5.3</cvss3_base_score><cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L</cvss3_vector>
</ReportItem>
</ReportHost>
<ReportHost name="fileserver"><HostProperties><tag name="host-ip">192.0.2.11</tag><tag name="HOST_START_TIMESTAMP">1733500800</tag></HostProperties>
<ReportItem port="445" svc_name="cifs" protocol="tcp" severity="4" pluginID="97833" pluginName="MS17-010: Security Update for Microsoft Windows SMB Server" pluginFamily="Windows">
<cvss3_base_score>8.1</cvss3_base_score><cvss3_vector>CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H</cvss3_vector><cve>CVE-2017-0144</cve>
</ReportItem>
</ReportHost>
</Report>
</NessusClientData_v2>
`

const gvmSample = `<get_reports_response status="200" status_text="OK">
<report id="9c4c27a2-0000-4000-8000-000000000001" format_id="a994b278-1f62-11e1-96ac-406186ea4fc5" extension="xml" content_type="text/xml">
<owner><name>admin</name></owner><name>2024-12-06T16:00:00Z</name>
<task id="t1"><name>DMZ</name></task>
<report id="9c4c27a2-0000-4000-8000-000000000001">
<scan_run_status>Done</scan_run_status>
<scan_start>2024-12-06T16:00:00Z</scan_start>
<ports start="1" max="-1"><count>2</count><port>443/tcp<host>192.0.2.20</host><severity>5.0</severity><threat>Medium</threat></port></ports>
<results start="1" max="-1">
<result id="r1"><name>SSL/TLS: Deprecated TLSv1.0 and TLSv1.1 Protocol Detection</name>
<owner><name>admin</name></owner>
<host>192.0.2.20<asset asset_id="a1"/><hostname>portal.example.test</hostname></host>
<port>443/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.117274"><type>nvt</type><name>SSL/TLS: Deprecated TLSv1.0 and TLSv1.1 Protocol Detection</name><family>SSL and TLS</family>
<cvss_base>4.3</cvss_base>
<severities score="4.3"><severity type="cvss_base_v3"><origin/><date>2021-03-25T10:00:00Z</date><score>4.3</score><value>CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N</value></severity></severities>
<tags>cvss_base_vector=AV:N/AC:M/Au:N/C:P/I:N/A:N|summary=It was possible to detect the usage of the deprecated TLSv1.0 and/or TLSv1.1 protocol.|insight=The TLSv1.0 and TLSv1.1 protocols contain known cryptographic flaws.|impact=An attacker might be able to decrypt traffic.|solution=Disable TLSv1.0 and TLSv1.1.|vuldetect=Check the used TLS protocols.|solution_type=Mitigation</tags>
<solution type="Mitigation">It is recommended to disable the deprecated TLSv1.0 and/or TLSv1.1 protocols.</solution>
<refs><ref type="cve" id="CVE-2011-3389"/><ref type="cve" id="CVE-2015-0204"/><ref type="url" id="https://ssl-config.mozilla.org/"/><ref type="cert-bund" id="CB-K18/0094"/></refs>
</nvt>
<scan_nvt_version>2023-10-20T05:05:17Z</scan_nvt_version>
<threat>Medium</threat><severity>4.3</severity>
<qod><value>98</value><type>remote_active</type></qod>
<description>In addition to TLSv1.2+ the service is also providing the deprecated TLSv1.0 protocol.</description>
</result>
<result id="r2"><name>OS Detection Consolidation and Reporting</name>
<host>192.0.2.20</host><port>general/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.105937"><type>nvt</type><name>OS Detection Consolidation and Reporting</name><cvss_base>0.0</cvss_base><tags>summary=Reports the OS.</tags></nvt>
<threat>Log</threat><severity>0.0</severity><qod><value>80</value></qod><description>Best matching OS: Debian GNU/Linux 12</description>
</result>
<result id="r3"><name>Overridden to false positive</name>
<host>192.0.2.21</host><port>80/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.1"><name>Something</name></nvt>
<threat>False Positive</threat><severity>-1.0</severity>
</result>
<result id="r4"><name>Redis Server No Password</name>
<host>192.0.2.21</host><port>6379/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.103844"><name>Redis Server No Password</name><cvss_base>10.0</cvss_base><tags>summary=The remote Redis server is not protected with a password.|solution=Enable authentication.</tags></nvt>
<threat>High</threat><severity>10.0</severity><qod><value>99</value></qod><description>The Redis server answered INFO without authentication.</description>
</result>
</results>
<host><ip>192.0.2.20</ip><start>2024-12-06T16:00:05Z</start><end>2024-12-06T16:20:00Z</end>
<detail><name>hostname</name><value>portal.example.test</value></detail>
<detail><name>best_os_txt</name><value>Debian GNU/Linux 12</value></detail>
</host>
<scan_end>2024-12-06T16:21:00Z</scan_end>
</report>
</report>
</get_reports_response>
`
