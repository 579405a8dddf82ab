//! Reading and writing packet captures (pcap, pcapng) and TCP flow extraction.
